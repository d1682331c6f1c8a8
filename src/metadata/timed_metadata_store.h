// Wraps any MetadataStore and records, per operation, the latency and the errors of every call in
// the metrics registry (docs/metrics.md):
//   sluice_metadata_store_operation_seconds{operation}   histogram; _count is the number of calls
//   sluice_metadata_store_errors_total{operation}        calls that returned an error (NotFound,
//                                                        Conflict, Unimplemented too)
// The operation label is the method name in snake_case (commit_object, find_chunks, ...).
//
// It must forward EVERY virtual method of MetadataStore: a method left out silently falls back to
// the base class default (Unimplemented) and breaks the feature behind it. When you add a method
// to MetadataStore, add an Op, its name in the .cc table and a forwarder here.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "metadata/metadata_store.h"

namespace sluice::obs {
class Counter;
class Histogram;
class MetricsRegistry;
}  // namespace sluice::obs

namespace sluice::metadata {

class TimedMetadataStore final : public MetadataStore {
 public:
  enum class Op : size_t {
    kMigrate,
    kCreateTopic,
    kGetTopic,
    kListTopics,
    kDeleteTopic,
    kCreatePartitions,
    kSetTopicConfigs,
    kGetPartitions,
    kCommitObject,
    kFindChunks,
    kOffsetForTimestamp,
    kMaxTimestamp,
    kAllocateProducerId,
    kCommitOffsets,
    kFetchOffsets,
    kDeleteOffsets,
    kListGroupsWithOffsets,
    kClusterId,
    kRegisterAgent,
    kRenewAgentLease,
    kDeregisterAgent,
    kListLiveAgents,
    kAcquireGroupLease,
    kRenewGroupLeases,
    kReleaseGroupLeases,
    kAcquireLease,
    kEnqueueJobs,
    kClaimJobs,
    kFinishJob,
    kListJobs,
    kListLiveObjects,
    kGetObject,
    kListObjectChunks,
    kCommitCompaction,
    kListDeadObjects,
    kForgetObjects,
    kListKnownObjectKeys,
    kReleaseJob,
    kAdvanceLogStartOffset,
    kGetBacklogStats,
    kInitTransactionalProducer,
    kAddPartitionsToTxn,
    kAddGroupToTxn,
    kStageTxnOffsets,
    kEndTransaction,
    kAbortExpiredTransactions,
    kDescribeTransactions,
    kListTransactions,
    kFindAbortedTransactions,
    kPendingTxnOffsets,
    kExpireTransactionalIds,
    kCount,  // not an operation: the number of them
  };
  // The operation label, e.g. "commit_object".
  static const char* OpName(Op op);

  // The registry must outlive the store.
  TimedMetadataStore(std::unique_ptr<MetadataStore> inner, obs::MetricsRegistry& metrics);

  MetadataStore& inner() { return *inner_; }
  // Calls and failed calls so far (for tests and diagnostics).
  uint64_t calls(Op op) const;
  uint64_t errors(Op op) const;

  Task<Status> Migrate() override;

  Task<Result<TopicInfo>> CreateTopic(std::string name, int32_t num_partitions,
                                      ConfigMap configs) override;
  Task<Result<TopicInfo>> GetTopic(std::string name) override;
  Task<Result<std::vector<TopicInfo>>> ListTopics() override;
  Task<Status> DeleteTopic(std::string name) override;
  Task<Status> CreatePartitions(std::string name, int32_t new_total) override;
  Task<Status> SetTopicConfigs(std::string name, ConfigMap configs) override;
  Task<Result<std::vector<PartitionInfo>>> GetPartitions(std::string topic) override;

  Task<Result<CommitResult>> CommitObject(CommitRequest request) override;
  Task<Result<std::vector<IndexedChunk>>> FindChunks(std::string topic, int32_t partition,
                                                     int64_t from_offset,
                                                     uint64_t max_bytes) override;
  Task<Result<std::optional<std::pair<int64_t, int64_t>>>> OffsetForTimestamp(
      std::string topic, int32_t partition, int64_t timestamp) override;
  Task<Result<std::optional<std::pair<int64_t, int64_t>>>> MaxTimestamp(std::string topic,
                                                                        int32_t partition) override;

  Task<Result<ProducerIdAllocation>> AllocateProducerId(
      std::optional<std::string> transactional_id) override;

  Task<Status> CommitOffsets(
      std::string group,
      std::vector<std::tuple<std::string, int32_t, CommittedOffset>> offsets) override;
  Task<Result<std::map<std::pair<std::string, int32_t>, CommittedOffset>>> FetchOffsets(
      std::string group) override;
  Task<Status> DeleteOffsets(std::string group,
                             std::vector<std::pair<std::string, int32_t>> partitions) override;
  Task<Result<std::vector<std::string>>> ListGroupsWithOffsets() override;

  Task<Result<std::string>> ClusterId() override;

  Task<Result<AgentRecord>> RegisterAgent(AgentRegistration agent, int64_t now_ms,
                                          int64_t lease_ms) override;
  Task<Status> RenewAgentLease(int32_t node_id, int64_t now_ms, int64_t lease_ms) override;
  Task<Status> DeregisterAgent(int32_t node_id) override;
  Task<Result<std::vector<AgentRecord>>> ListLiveAgents(int64_t now_ms) override;

  Task<Result<int32_t>> AcquireGroupLease(std::string group, int32_t node_id, int64_t now_ms,
                                          int64_t lease_ms) override;
  Task<Result<std::vector<std::string>>> RenewGroupLeases(int32_t node_id, int64_t now_ms,
                                                          int64_t lease_ms) override;
  Task<Status> ReleaseGroupLeases(int32_t node_id, std::string group) override;

  Task<Result<bool>> AcquireLease(std::string name, std::string owner, int64_t now_ms,
                                  int64_t lease_ms) override;
  Task<Status> EnqueueJobs(std::vector<JobSpec> jobs, int64_t now_ms) override;
  Task<Result<std::vector<ClaimedJob>>> ClaimJobs(std::string owner, int32_t max_jobs,
                                                  int64_t now_ms, int64_t lease_ms) override;
  Task<Status> FinishJob(std::string job_id, std::string owner) override;
  Task<Result<std::vector<ClaimedJob>>> ListJobs() override;
  Task<Result<std::vector<ObjectRecord>>> ListLiveObjects(int32_t limit) override;
  Task<Result<std::optional<ObjectRecord>>> GetObject(std::string object_id) override;
  Task<Result<std::vector<ObjectChunk>>> ListObjectChunks(
      std::vector<std::string> object_ids) override;
  Task<Result<CompactionOutcome>> CommitCompaction(CompactionCommit commit,
                                                   int64_t now_ms) override;
  Task<Result<std::vector<ObjectRecord>>> ListDeadObjects(int64_t dead_before_ms,
                                                          int32_t limit) override;
  Task<Status> ForgetObjects(std::vector<std::string> object_ids) override;
  Task<Result<std::vector<std::string>>> ListKnownObjectKeys(
      std::vector<std::string> object_keys) override;
  Task<Status> ReleaseJob(std::string job_id, std::string owner, int64_t retry_at_ms) override;
  Task<Result<int64_t>> AdvanceLogStartOffset(std::string topic, int32_t partition, int64_t offset,
                                              int64_t now_ms) override;
  Task<Result<BacklogStats>> GetBacklogStats(int64_t now_ms) override;
  Task<Result<InitTxnProducerResult>> InitTransactionalProducer(InitTxnProducerRequest request,
                                                                int64_t now_ms) override;
  Task<Result<std::vector<int16_t>>> AddPartitionsToTxn(
      TxnProducer producer, std::vector<std::pair<std::string, int32_t>> partitions,
      int64_t now_ms) override;
  Task<Result<int16_t>> AddGroupToTxn(TxnProducer producer, std::string group,
                                      int64_t now_ms) override;
  Task<Result<int16_t>> StageTxnOffsets(
      TxnProducer producer, std::string group,
      std::vector<std::tuple<std::string, int32_t, CommittedOffset>> offsets,
      int64_t now_ms) override;
  Task<Result<EndTxnResult>> EndTransaction(TxnProducer producer, bool commit,
                                            int64_t now_ms) override;
  Task<Result<std::vector<ExpiredTxnAbort>>> AbortExpiredTransactions(int64_t now_ms,
                                                                      int32_t limit) override;
  Task<Result<std::vector<TxnDescription>>> DescribeTransactions(
      std::vector<std::string> transactional_ids) override;
  Task<Result<std::vector<TxnListing>>> ListTransactions() override;
  Task<Result<std::vector<AbortedTxn>>> FindAbortedTransactions(std::string topic,
                                                                int32_t partition,
                                                                int64_t from_offset,
                                                                int64_t to_offset) override;
  Task<Result<std::vector<std::pair<std::string, int32_t>>>> PendingTxnOffsets(
      std::string group, std::vector<std::pair<std::string, int32_t>> partitions) override;
  Task<Result<int32_t>> ExpireTransactionalIds(int64_t idle_before_ms) override;

 private:
  struct Series {
    obs::Histogram* seconds = nullptr;
    obs::Counter* errors = nullptr;
  };
  // Awaits `call` (the inner store's lazy coroutine) and records its latency and outcome.
  template <typename T>
  Task<T> Timed(Op op, Task<T> call);
  void Record(Op op, bool ok, double seconds);

  std::unique_ptr<MetadataStore> inner_;
  std::array<Series, static_cast<size_t>(Op::kCount)> series_{};
};

}  // namespace sluice::metadata
