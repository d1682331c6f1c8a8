// Defaults for the optional parts of MetadataStore: a back end that does not implement them
// answers Unimplemented, which an agent reports as "this store cannot run a cluster".
#include "metadata/metadata_store.h"

namespace sluice::metadata {

namespace {
Status NotHere(const char* what) {
  return Status::Unimplemented(std::string(what) + " is not implemented by this metadata store");
}
}  // namespace

Task<Result<AgentRecord>> MetadataStore::RegisterAgent(AgentRegistration, int64_t, int64_t) {
  co_return NotHere("RegisterAgent");
}
Task<Status> MetadataStore::RenewAgentLease(int32_t, int64_t, int64_t) {
  co_return NotHere("RenewAgentLease");
}
Task<Status> MetadataStore::DeregisterAgent(int32_t) { co_return NotHere("DeregisterAgent"); }
Task<Result<std::vector<AgentRecord>>> MetadataStore::ListLiveAgents(int64_t) {
  co_return NotHere("ListLiveAgents");
}
Task<Result<int32_t>> MetadataStore::AcquireGroupLease(std::string, int32_t, int64_t, int64_t) {
  co_return NotHere("AcquireGroupLease");
}
Task<Result<std::vector<std::string>>> MetadataStore::RenewGroupLeases(int32_t, int64_t, int64_t) {
  co_return NotHere("RenewGroupLeases");
}
Task<Status> MetadataStore::ReleaseGroupLeases(int32_t, std::string) {
  co_return NotHere("ReleaseGroupLeases");
}

// --- Jobs ---
Task<Result<bool>> MetadataStore::AcquireLease(std::string, std::string, int64_t, int64_t) {
  co_return NotHere("AcquireLease");
}
Task<Status> MetadataStore::EnqueueJobs(std::vector<JobSpec>, int64_t) {
  co_return NotHere("EnqueueJobs");
}
Task<Result<std::vector<ClaimedJob>>> MetadataStore::ClaimJobs(std::string, int32_t, int64_t,
                                                               int64_t) {
  co_return NotHere("ClaimJobs");
}
Task<Status> MetadataStore::FinishJob(std::string, std::string) { co_return NotHere("FinishJob"); }
Task<Result<std::vector<ClaimedJob>>> MetadataStore::ListJobs() { co_return NotHere("ListJobs"); }
Task<Result<std::vector<ObjectRecord>>> MetadataStore::ListLiveObjects(int32_t) {
  co_return NotHere("ListLiveObjects");
}
Task<Result<std::optional<ObjectRecord>>> MetadataStore::GetObject(std::string) {
  co_return NotHere("GetObject");
}
Task<Result<std::vector<ObjectChunk>>> MetadataStore::ListObjectChunks(std::vector<std::string>) {
  co_return NotHere("ListObjectChunks");
}
Task<Result<CompactionOutcome>> MetadataStore::CommitCompaction(CompactionCommit, int64_t) {
  co_return NotHere("CommitCompaction");
}
Task<Result<std::vector<ObjectRecord>>> MetadataStore::ListDeadObjects(int64_t, int32_t) {
  co_return NotHere("ListDeadObjects");
}
Task<Status> MetadataStore::ForgetObjects(std::vector<std::string>) {
  co_return NotHere("ForgetObjects");
}
Task<Result<std::vector<std::string>>> MetadataStore::ListKnownObjectKeys(
    std::vector<std::string>) {
  co_return NotHere("ListKnownObjectKeys");
}
Task<Status> MetadataStore::ReleaseJob(std::string, std::string, int64_t) {
  co_return NotHere("ReleaseJob");
}
Task<Result<int64_t>> MetadataStore::AdvanceLogStartOffset(std::string, int32_t, int64_t, int64_t) {
  co_return NotHere("AdvanceLogStartOffset");
}
Task<Result<BacklogStats>> MetadataStore::GetBacklogStats(int64_t) {
  co_return NotHere("GetBacklogStats");
}

// --- Transactions ---
Task<Result<InitTxnProducerResult>> MetadataStore::InitTransactionalProducer(InitTxnProducerRequest,
                                                                             int64_t) {
  co_return NotHere("InitTransactionalProducer");
}
Task<Result<std::vector<int16_t>>> MetadataStore::AddPartitionsToTxn(
    TxnProducer, std::vector<std::pair<std::string, int32_t>>, int64_t) {
  co_return NotHere("AddPartitionsToTxn");
}
Task<Result<int16_t>> MetadataStore::AddGroupToTxn(TxnProducer, std::string, int64_t) {
  co_return NotHere("AddGroupToTxn");
}
Task<Result<int16_t>> MetadataStore::StageTxnOffsets(
    TxnProducer, std::string, std::vector<std::tuple<std::string, int32_t, CommittedOffset>>,
    int64_t) {
  co_return NotHere("StageTxnOffsets");
}
Task<Result<EndTxnResult>> MetadataStore::EndTransaction(TxnProducer, bool, int64_t) {
  co_return NotHere("EndTransaction");
}
Task<Result<std::vector<ExpiredTxnAbort>>> MetadataStore::AbortExpiredTransactions(int64_t,
                                                                                   int32_t) {
  co_return NotHere("AbortExpiredTransactions");
}
Task<Result<std::vector<TxnDescription>>> MetadataStore::DescribeTransactions(
    std::vector<std::string>) {
  co_return NotHere("DescribeTransactions");
}
Task<Result<std::vector<TxnListing>>> MetadataStore::ListTransactions() {
  co_return NotHere("ListTransactions");
}
Task<Result<std::vector<AbortedTxn>>> MetadataStore::FindAbortedTransactions(std::string, int32_t,
                                                                             int64_t, int64_t) {
  co_return NotHere("FindAbortedTransactions");
}
Task<Result<std::vector<std::pair<std::string, int32_t>>>> MetadataStore::PendingTxnOffsets(
    std::string, std::vector<std::pair<std::string, int32_t>>) {
  co_return NotHere("PendingTxnOffsets");
}
Task<Result<int32_t>> MetadataStore::ExpireTransactionalIds(int64_t) {
  co_return NotHere("ExpireTransactionalIds");
}

}  // namespace sluice::metadata
