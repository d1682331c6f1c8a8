#include "metadata/timed_metadata_store.h"

#include <chrono>

#include "observability/metrics.h"

namespace sluice::metadata {

namespace {

// Indexed by Op; keep in the enum's order.
constexpr std::array<const char*, static_cast<size_t>(TimedMetadataStore::Op::kCount)> kOpNames{
    "migrate",
    "create_topic",
    "get_topic",
    "list_topics",
    "delete_topic",
    "create_partitions",
    "set_topic_configs",
    "get_partitions",
    "commit_object",
    "find_chunks",
    "offset_for_timestamp",
    "max_timestamp",
    "allocate_producer_id",
    "commit_offsets",
    "fetch_offsets",
    "delete_offsets",
    "list_groups_with_offsets",
    "cluster_id",
    "register_agent",
    "renew_agent_lease",
    "deregister_agent",
    "list_live_agents",
    "acquire_group_lease",
    "renew_group_leases",
    "release_group_leases",
    "acquire_lease",
    "enqueue_jobs",
    "claim_jobs",
    "finish_job",
    "list_jobs",
    "list_live_objects",
    "get_object",
    "list_object_chunks",
    "commit_compaction",
    "list_dead_objects",
    "forget_objects",
    "list_known_object_keys",
    "release_job",
    "advance_log_start_offset",
    "get_backlog_stats",
    "init_transactional_producer",
    "add_partitions_to_txn",
    "add_group_to_txn",
    "stage_txn_offsets",
    "end_transaction",
    "abort_expired_transactions",
    "describe_transactions",
    "list_transactions",
    "find_aborted_transactions",
    "pending_txn_offsets",
    "expire_transactional_ids",
};
static_assert(kOpNames.back() != nullptr, "every TimedMetadataStore::Op needs a name");

bool IsOk(const Status& status) { return status.ok(); }
template <typename T>
bool IsOk(const Result<T>& result) {
  return result.ok();
}

}  // namespace

const char* TimedMetadataStore::OpName(Op op) {
  const auto i = static_cast<size_t>(op);
  return i < kOpNames.size() ? kOpNames[i] : "unknown";
}

TimedMetadataStore::TimedMetadataStore(std::unique_ptr<MetadataStore> inner,
                                       obs::MetricsRegistry& metrics)
    : inner_(std::move(inner)) {
  // 100 us .. ~6.5 s: an in-memory SQLite lookup up to a PostgreSQL commit under contention.
  auto& seconds = metrics.AddHistogram(
      "sluice_metadata_store_operation_seconds",
      "Latency of one metadata-store call, by operation (one attempt, as the caller sees it).",
      obs::ExponentialBuckets(0.0001, 2, 17), {"operation"});
  auto& errors = metrics.AddCounter("sluice_metadata_store_errors_total",
                                    "Metadata-store calls that returned an error, by operation.",
                                    {"operation"});
  for (size_t i = 0; i < series_.size(); ++i) {
    const std::vector<std::string> label{kOpNames[i]};
    series_[i] = {&seconds.WithLabels(label), &errors.WithLabels(label)};
  }
}

uint64_t TimedMetadataStore::calls(Op op) const {
  return series_.at(static_cast<size_t>(op)).seconds->Take().count;
}
uint64_t TimedMetadataStore::errors(Op op) const {
  return series_.at(static_cast<size_t>(op)).errors->Value();
}

void TimedMetadataStore::Record(Op op, bool ok, double seconds) {
  Series& s = series_[static_cast<size_t>(op)];
  s.seconds->Observe(seconds);
  if (!ok) s.errors->Inc();
}

template <typename T>
Task<T> TimedMetadataStore::Timed(Op op, Task<T> call) {
  const auto start = std::chrono::steady_clock::now();
  T outcome = co_await std::move(call);
  Record(op, IsOk(outcome),
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  co_return outcome;
}

Task<Status> TimedMetadataStore::Migrate() { return Timed(Op::kMigrate, inner_->Migrate()); }

// --- Topics ---
Task<Result<TopicInfo>> TimedMetadataStore::CreateTopic(std::string name, int32_t num_partitions,
                                                        ConfigMap configs) {
  return Timed(Op::kCreateTopic,
               inner_->CreateTopic(std::move(name), num_partitions, std::move(configs)));
}
Task<Result<TopicInfo>> TimedMetadataStore::GetTopic(std::string name) {
  return Timed(Op::kGetTopic, inner_->GetTopic(std::move(name)));
}
Task<Result<std::vector<TopicInfo>>> TimedMetadataStore::ListTopics() {
  return Timed(Op::kListTopics, inner_->ListTopics());
}
Task<Status> TimedMetadataStore::DeleteTopic(std::string name) {
  return Timed(Op::kDeleteTopic, inner_->DeleteTopic(std::move(name)));
}
Task<Status> TimedMetadataStore::CreatePartitions(std::string name, int32_t new_total) {
  return Timed(Op::kCreatePartitions, inner_->CreatePartitions(std::move(name), new_total));
}
Task<Status> TimedMetadataStore::SetTopicConfigs(std::string name, ConfigMap configs) {
  return Timed(Op::kSetTopicConfigs, inner_->SetTopicConfigs(std::move(name), std::move(configs)));
}
Task<Result<std::vector<PartitionInfo>>> TimedMetadataStore::GetPartitions(std::string topic) {
  return Timed(Op::kGetPartitions, inner_->GetPartitions(std::move(topic)));
}

// --- Produce / fetch ---
Task<Result<CommitResult>> TimedMetadataStore::CommitObject(CommitRequest request) {
  return Timed(Op::kCommitObject, inner_->CommitObject(std::move(request)));
}
Task<Result<std::vector<IndexedChunk>>> TimedMetadataStore::FindChunks(std::string topic,
                                                                       int32_t partition,
                                                                       int64_t from_offset,
                                                                       uint64_t max_bytes) {
  return Timed(Op::kFindChunks,
               inner_->FindChunks(std::move(topic), partition, from_offset, max_bytes));
}
Task<Result<std::optional<std::pair<int64_t, int64_t>>>> TimedMetadataStore::OffsetForTimestamp(
    std::string topic, int32_t partition, int64_t timestamp) {
  return Timed(Op::kOffsetForTimestamp,
               inner_->OffsetForTimestamp(std::move(topic), partition, timestamp));
}
Task<Result<std::optional<std::pair<int64_t, int64_t>>>> TimedMetadataStore::MaxTimestamp(
    std::string topic, int32_t partition) {
  return Timed(Op::kMaxTimestamp, inner_->MaxTimestamp(std::move(topic), partition));
}

// --- Idempotent producers ---
Task<Result<ProducerIdAllocation>> TimedMetadataStore::AllocateProducerId(
    std::optional<std::string> transactional_id) {
  return Timed(Op::kAllocateProducerId, inner_->AllocateProducerId(std::move(transactional_id)));
}

// --- Consumer-group offsets ---
Task<Status> TimedMetadataStore::CommitOffsets(
    std::string group, std::vector<std::tuple<std::string, int32_t, CommittedOffset>> offsets) {
  return Timed(Op::kCommitOffsets, inner_->CommitOffsets(std::move(group), std::move(offsets)));
}
Task<Result<std::map<std::pair<std::string, int32_t>, CommittedOffset>>>
TimedMetadataStore::FetchOffsets(std::string group) {
  return Timed(Op::kFetchOffsets, inner_->FetchOffsets(std::move(group)));
}
Task<Status> TimedMetadataStore::DeleteOffsets(
    std::string group, std::vector<std::pair<std::string, int32_t>> partitions) {
  return Timed(Op::kDeleteOffsets, inner_->DeleteOffsets(std::move(group), std::move(partitions)));
}
Task<Result<std::vector<std::string>>> TimedMetadataStore::ListGroupsWithOffsets() {
  return Timed(Op::kListGroupsWithOffsets, inner_->ListGroupsWithOffsets());
}

// --- Cluster and membership ---
Task<Result<std::string>> TimedMetadataStore::ClusterId() {
  return Timed(Op::kClusterId, inner_->ClusterId());
}
Task<Result<AgentRecord>> TimedMetadataStore::RegisterAgent(AgentRegistration agent, int64_t now_ms,
                                                            int64_t lease_ms) {
  return Timed(Op::kRegisterAgent, inner_->RegisterAgent(std::move(agent), now_ms, lease_ms));
}
Task<Status> TimedMetadataStore::RenewAgentLease(int32_t node_id, int64_t now_ms,
                                                 int64_t lease_ms) {
  return Timed(Op::kRenewAgentLease, inner_->RenewAgentLease(node_id, now_ms, lease_ms));
}
Task<Status> TimedMetadataStore::DeregisterAgent(int32_t node_id) {
  return Timed(Op::kDeregisterAgent, inner_->DeregisterAgent(node_id));
}
Task<Result<std::vector<AgentRecord>>> TimedMetadataStore::ListLiveAgents(int64_t now_ms) {
  return Timed(Op::kListLiveAgents, inner_->ListLiveAgents(now_ms));
}

// --- Consumer-group ownership ---
Task<Result<int32_t>> TimedMetadataStore::AcquireGroupLease(std::string group, int32_t node_id,
                                                            int64_t now_ms, int64_t lease_ms) {
  return Timed(Op::kAcquireGroupLease,
               inner_->AcquireGroupLease(std::move(group), node_id, now_ms, lease_ms));
}
Task<Result<std::vector<std::string>>> TimedMetadataStore::RenewGroupLeases(int32_t node_id,
                                                                            int64_t now_ms,
                                                                            int64_t lease_ms) {
  return Timed(Op::kRenewGroupLeases, inner_->RenewGroupLeases(node_id, now_ms, lease_ms));
}
Task<Status> TimedMetadataStore::ReleaseGroupLeases(int32_t node_id, std::string group) {
  return Timed(Op::kReleaseGroupLeases, inner_->ReleaseGroupLeases(node_id, std::move(group)));
}

// --- Jobs ---
Task<Result<bool>> TimedMetadataStore::AcquireLease(std::string name, std::string owner,
                                                    int64_t now_ms, int64_t lease_ms) {
  return Timed(Op::kAcquireLease,
               inner_->AcquireLease(std::move(name), std::move(owner), now_ms, lease_ms));
}
Task<Status> TimedMetadataStore::EnqueueJobs(std::vector<JobSpec> jobs, int64_t now_ms) {
  return Timed(Op::kEnqueueJobs, inner_->EnqueueJobs(std::move(jobs), now_ms));
}
Task<Result<std::vector<ClaimedJob>>> TimedMetadataStore::ClaimJobs(std::string owner,
                                                                    int32_t max_jobs,
                                                                    int64_t now_ms,
                                                                    int64_t lease_ms) {
  return Timed(Op::kClaimJobs, inner_->ClaimJobs(std::move(owner), max_jobs, now_ms, lease_ms));
}
Task<Status> TimedMetadataStore::FinishJob(std::string job_id, std::string owner) {
  return Timed(Op::kFinishJob, inner_->FinishJob(std::move(job_id), std::move(owner)));
}
Task<Result<std::vector<ClaimedJob>>> TimedMetadataStore::ListJobs() {
  return Timed(Op::kListJobs, inner_->ListJobs());
}
Task<Result<std::vector<ObjectRecord>>> TimedMetadataStore::ListLiveObjects(int32_t limit) {
  return Timed(Op::kListLiveObjects, inner_->ListLiveObjects(limit));
}
Task<Result<std::optional<ObjectRecord>>> TimedMetadataStore::GetObject(std::string object_id) {
  return Timed(Op::kGetObject, inner_->GetObject(std::move(object_id)));
}
Task<Result<std::vector<ObjectChunk>>> TimedMetadataStore::ListObjectChunks(
    std::vector<std::string> object_ids) {
  return Timed(Op::kListObjectChunks, inner_->ListObjectChunks(std::move(object_ids)));
}
Task<Result<CompactionOutcome>> TimedMetadataStore::CommitCompaction(CompactionCommit commit,
                                                                     int64_t now_ms) {
  return Timed(Op::kCommitCompaction, inner_->CommitCompaction(std::move(commit), now_ms));
}
Task<Result<std::vector<ObjectRecord>>> TimedMetadataStore::ListDeadObjects(int64_t dead_before_ms,
                                                                            int32_t limit) {
  return Timed(Op::kListDeadObjects, inner_->ListDeadObjects(dead_before_ms, limit));
}
Task<Status> TimedMetadataStore::ForgetObjects(std::vector<std::string> object_ids) {
  return Timed(Op::kForgetObjects, inner_->ForgetObjects(std::move(object_ids)));
}
Task<Result<std::vector<std::string>>> TimedMetadataStore::ListKnownObjectKeys(
    std::vector<std::string> object_keys) {
  return Timed(Op::kListKnownObjectKeys, inner_->ListKnownObjectKeys(std::move(object_keys)));
}
Task<Status> TimedMetadataStore::ReleaseJob(std::string job_id, std::string owner,
                                            int64_t retry_at_ms) {
  return Timed(Op::kReleaseJob,
               inner_->ReleaseJob(std::move(job_id), std::move(owner), retry_at_ms));
}
Task<Result<int64_t>> TimedMetadataStore::AdvanceLogStartOffset(std::string topic,
                                                                int32_t partition, int64_t offset,
                                                                int64_t now_ms) {
  return Timed(Op::kAdvanceLogStartOffset,
               inner_->AdvanceLogStartOffset(std::move(topic), partition, offset, now_ms));
}

Task<Result<BacklogStats>> TimedMetadataStore::GetBacklogStats(int64_t now_ms) {
  return Timed(Op::kGetBacklogStats, inner_->GetBacklogStats(now_ms));
}

// --- Transactions ---
Task<Result<InitTxnProducerResult>> TimedMetadataStore::InitTransactionalProducer(
    InitTxnProducerRequest request, int64_t now_ms) {
  return Timed(Op::kInitTransactionalProducer,
               inner_->InitTransactionalProducer(std::move(request), now_ms));
}
Task<Result<std::vector<int16_t>>> TimedMetadataStore::AddPartitionsToTxn(
    TxnProducer producer, std::vector<std::pair<std::string, int32_t>> partitions,
    int64_t now_ms) {
  return Timed(Op::kAddPartitionsToTxn,
               inner_->AddPartitionsToTxn(std::move(producer), std::move(partitions), now_ms));
}
Task<Result<int16_t>> TimedMetadataStore::AddGroupToTxn(TxnProducer producer, std::string group,
                                                        int64_t now_ms) {
  return Timed(Op::kAddGroupToTxn,
               inner_->AddGroupToTxn(std::move(producer), std::move(group), now_ms));
}
Task<Result<int16_t>> TimedMetadataStore::StageTxnOffsets(
    TxnProducer producer, std::string group,
    std::vector<std::tuple<std::string, int32_t, CommittedOffset>> offsets, int64_t now_ms) {
  return Timed(Op::kStageTxnOffsets,
               inner_->StageTxnOffsets(std::move(producer), std::move(group), std::move(offsets),
                                       now_ms));
}
Task<Result<EndTxnResult>> TimedMetadataStore::EndTransaction(TxnProducer producer, bool commit,
                                                              int64_t now_ms) {
  return Timed(Op::kEndTransaction, inner_->EndTransaction(std::move(producer), commit, now_ms));
}
Task<Result<std::vector<ExpiredTxnAbort>>> TimedMetadataStore::AbortExpiredTransactions(
    int64_t now_ms, int32_t limit) {
  return Timed(Op::kAbortExpiredTransactions, inner_->AbortExpiredTransactions(now_ms, limit));
}
Task<Result<std::vector<TxnDescription>>> TimedMetadataStore::DescribeTransactions(
    std::vector<std::string> transactional_ids) {
  return Timed(Op::kDescribeTransactions,
               inner_->DescribeTransactions(std::move(transactional_ids)));
}
Task<Result<std::vector<TxnListing>>> TimedMetadataStore::ListTransactions() {
  return Timed(Op::kListTransactions, inner_->ListTransactions());
}
Task<Result<std::vector<AbortedTxn>>> TimedMetadataStore::FindAbortedTransactions(
    std::string topic, int32_t partition, int64_t from_offset, int64_t to_offset) {
  return Timed(Op::kFindAbortedTransactions,
               inner_->FindAbortedTransactions(std::move(topic), partition, from_offset,
                                               to_offset));
}
Task<Result<std::vector<std::pair<std::string, int32_t>>>> TimedMetadataStore::PendingTxnOffsets(
    std::string group, std::vector<std::pair<std::string, int32_t>> partitions) {
  return Timed(Op::kPendingTxnOffsets,
               inner_->PendingTxnOffsets(std::move(group), std::move(partitions)));
}
Task<Result<int32_t>> TimedMetadataStore::ExpireTransactionalIds(int64_t idle_before_ms) {
  return Timed(Op::kExpireTransactionalIds, inner_->ExpireTransactionalIds(idle_before_ms));
}

}  // namespace sluice::metadata
