// The SQLite metadata store: one connection, used only from a private single-threaded pool so
// every SQLite call is serialized; WAL journal with synchronous=FULL so a commit is durable when
// it returns.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/blocking.h"
#include "metadata/metadata_store.h"
#include "metadata/sqlite_db.h"

namespace sluice::metadata {

class SqliteMetadataStore final : public MetadataStore {
 public:
  // `path` is a file path (parent directories are created) or ":memory:".
  static Result<std::unique_ptr<MetadataStore>> Open(const std::string& path);
  ~SqliteMetadataStore() override;

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

  // Jobs (sqlite_jobs.cc / postgres_jobs.cc).
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
  // Membership and group leases (sqlite_membership.cc).
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
  // Transactions (sqlite_txn.cc).
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

 private:
  struct TopicRow {
    Uuid id{};
    int32_t num_partitions = 0;
    int64_t created_ms = 0;
  };

  explicit SqliteMetadataStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}

  // Runs fn on the store's single SQLite thread.
  // Callers pass a named lambda (see common/blocking.h).
  template <typename Fn>
  auto OnDbThread(Fn fn) -> Task<std::invoke_result_t<Fn>> {
    return RunBlocking(thread_.get_executor(), std::move(fn));
  }

  // The *Now functions run on the SQLite thread.
  Status MigrateNow();
  Result<std::string> EnsureClusterIdNow();
  Result<std::optional<TopicRow>> FindTopicNow(const std::string& name);
  Result<TopicRow> RequireTopicNow(const std::string& name);
  Result<ConfigMap> LoadConfigsNow(const Uuid& topic_id);
  Status InsertConfigsNow(const Uuid& topic_id, const ConfigMap& configs);
  Status InsertPartitionsNow(const Uuid& topic_id, int32_t from, int32_t to);
  Result<TopicInfo> CreateTopicNow(const std::string& name, int32_t num_partitions,
                                   const ConfigMap& configs);
  Result<TopicInfo> GetTopicNow(const std::string& name);
  Result<std::vector<TopicInfo>> ListTopicsNow();
  Status DeleteTopicNow(const std::string& name);
  Status CreatePartitionsNow(const std::string& name, int32_t new_total);
  Status SetTopicConfigsNow(const std::string& name, const ConfigMap& configs);
  Result<std::vector<PartitionInfo>> GetPartitionsNow(const std::string& topic);
  Result<std::optional<CommitResult>> LoadCommitOutcomeNow(const std::string& object_id);
  Result<CommitResult> CommitObjectNow(const CommitRequest& request);
  Result<ChunkOutcome> CommitChunkNow(const CommitRequest& request, const ChunkToCommit& chunk,
                                      int64_t now_ms, bool* indexed);
  Result<std::vector<IndexedChunk>> FindChunksNow(const std::string& topic, int32_t partition,
                                                  int64_t from_offset, uint64_t max_bytes);
  Result<std::optional<std::pair<int64_t, int64_t>>> OffsetForTimestampNow(const std::string& topic,
                                                                           int32_t partition,
                                                                           int64_t timestamp);
  Result<std::optional<std::pair<int64_t, int64_t>>> MaxTimestampNow(const std::string& topic,
                                                                     int32_t partition);
  Result<ProducerIdAllocation> AllocateProducerIdNow(
      const std::optional<std::string>& transactional_id);
  Status CommitOffsetsNow(
      const std::string& group,
      const std::vector<std::tuple<std::string, int32_t, CommittedOffset>>& offsets);
  Result<std::map<std::pair<std::string, int32_t>, CommittedOffset>> FetchOffsetsNow(
      const std::string& group);
  Status DeleteOffsetsNow(const std::string& group,
                          const std::vector<std::pair<std::string, int32_t>>& partitions);
  Result<std::vector<std::string>> ListGroupsWithOffsetsNow();
  Result<AgentRecord> RegisterAgentNow(const AgentRegistration& agent, int64_t now_ms,
                                       int64_t lease_ms);
  Status RenewAgentLeaseNow(int32_t node_id, int64_t now_ms, int64_t lease_ms);
  Status DeregisterAgentNow(int32_t node_id);
  Result<std::vector<AgentRecord>> ListLiveAgentsNow(int64_t now_ms);
  Result<int32_t> AcquireGroupLeaseNow(const std::string& group, int32_t node_id, int64_t now_ms,
                                       int64_t lease_ms);
  Result<std::vector<std::string>> RenewGroupLeasesNow(int32_t node_id, int64_t now_ms,
                                                       int64_t lease_ms);
  Status ReleaseGroupLeasesNow(int32_t node_id, const std::string& group);
  Result<InitTxnProducerResult> InitTransactionalProducerNow(const InitTxnProducerRequest& request,
                                                             int64_t now_ms);
  Result<std::vector<int16_t>> AddPartitionsToTxnNow(
      const TxnProducer& producer, const std::vector<std::pair<std::string, int32_t>>& partitions,
      int64_t now_ms);
  Result<int16_t> AddGroupToTxnNow(const TxnProducer& producer, const std::string& group,
                                   int64_t now_ms);
  Result<int16_t> StageTxnOffsetsNow(
      const TxnProducer& producer, const std::string& group,
      const std::vector<std::tuple<std::string, int32_t, CommittedOffset>>& offsets);
  Result<EndTxnResult> EndTransactionNow(const TxnProducer& producer, bool commit, int64_t now_ms);

  std::unique_ptr<SqliteDb> db_;
  asio::thread_pool thread_{1};  // joined in the destructor before db_ closes
};

}  // namespace sluice::metadata
