// The PostgreSQL metadata store, for many agents sharing one database: a pool of connections
// (each used by one blocking thread at a time), READ COMMITTED transactions with explicit row
// locks, retries on serialization failures and deadlocks, and one reconnect after a lost session.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "metadata/metadata_store.h"
#include "metadata/postgres_pool.h"

namespace sluice::metadata {

struct PostgresStoreOptions {
  int pool_size = 4;
  int statement_timeout_ms = 30000;
};

class PostgresMetadataStore final : public MetadataStore {
 public:
  // `url` is postgres://user:pass@host:port/db?sslmode=... (or postgresql://); connects now.
  static Result<std::unique_ptr<MetadataStore>> Open(const std::string& url,
                                                     PostgresStoreOptions options = {});

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
  // Membership and group leases (postgres_membership.cc).
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
  // Transactions (postgres_txn.cc).
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
  struct TopicRow {
    Uuid id{};
    int32_t num_partitions = 0;
    int64_t created_ms = 0;
  };
  struct LockedPartition {
    int64_t log_start_offset = 0;
    int64_t high_watermark = 0;
    bool advanced = false;
  };

  explicit PostgresMetadataStore(std::unique_ptr<PgPool> pool) : pool_(std::move(pool)) {}

  // The *Now functions run on a pool thread with their own connection.
  static Status MigrateNow(PgConnection& db);
  static Result<std::string> EnsureClusterIdNow(PgConnection& db);
  static Result<std::optional<TopicRow>> FindTopicNow(PgConnection& db, const std::string& name,
                                                      const char* lock_clause = "");
  static Result<TopicRow> RequireTopicNow(PgConnection& db, const std::string& name);
  static Result<ConfigMap> LoadConfigsNow(PgConnection& db, const Uuid& topic_id);
  static Status InsertConfigsNow(PgConnection& db, const Uuid& topic_id, const ConfigMap& configs);
  static Status InsertPartitionsNow(PgConnection& db, const Uuid& topic_id, int32_t from,
                                    int32_t to);
  static Result<TopicInfo> CreateTopicNow(PgConnection& db, const std::string& name,
                                          int32_t num_partitions, const ConfigMap& configs);
  static Result<TopicInfo> GetTopicNow(PgConnection& db, const std::string& name);
  static Result<std::vector<TopicInfo>> ListTopicsNow(PgConnection& db);
  static Status DeleteTopicNow(PgConnection& db, const std::string& name);
  static Status CreatePartitionsNow(PgConnection& db, const std::string& name, int32_t new_total);
  static Status SetTopicConfigsNow(PgConnection& db, const std::string& name,
                                   const ConfigMap& configs);
  static Result<std::vector<PartitionInfo>> GetPartitionsNow(PgConnection& db,
                                                             const std::string& topic);
  static Result<std::optional<CommitResult>> LoadCommitOutcomeNow(PgConnection& db,
                                                                  const std::string& object_id);
  static Result<CommitResult> CommitObjectNow(PgConnection& db, const CommitRequest& request);
  static Result<ChunkOutcome> CommitChunkNow(PgConnection& db, const CommitRequest& request,
                                             const ChunkToCommit& chunk, const TopicRow& topic,
                                             LockedPartition& partition, int64_t now_ms);
  static Result<std::vector<IndexedChunk>> FindChunksNow(PgConnection& db, const std::string& topic,
                                                         int32_t partition, int64_t from_offset,
                                                         uint64_t max_bytes);
  static Result<std::optional<std::pair<int64_t, int64_t>>> FirstChunkNow(
      PgConnection& db, const std::string& topic, int32_t partition, const std::string& where,
      const std::string& order, std::optional<int64_t> timestamp);
  static Result<ProducerIdAllocation> AllocateProducerIdNow(
      PgConnection& db, const std::optional<std::string>& transactional_id);
  static Status CommitOffsetsNow(
      PgConnection& db, const std::string& group,
      const std::vector<std::tuple<std::string, int32_t, CommittedOffset>>& offsets);
  static Result<std::map<std::pair<std::string, int32_t>, CommittedOffset>> FetchOffsetsNow(
      PgConnection& db, const std::string& group);
  static Status DeleteOffsetsNow(PgConnection& db, const std::string& group,
                                 const std::vector<std::pair<std::string, int32_t>>& partitions);
  static Result<std::vector<std::string>> ListGroupsWithOffsetsNow(PgConnection& db);
  static Result<AgentRecord> RegisterAgentNow(PgConnection& db, const AgentRegistration& agent,
                                              int64_t now_ms, int64_t lease_ms);
  static Status RenewAgentLeaseNow(PgConnection& db, int32_t node_id, int64_t now_ms,
                                   int64_t lease_ms);
  static Status DeregisterAgentNow(PgConnection& db, int32_t node_id);
  static Result<std::vector<AgentRecord>> ListLiveAgentsNow(PgConnection& db, int64_t now_ms);
  static Result<int32_t> AcquireGroupLeaseNow(PgConnection& db, const std::string& group,
                                              int32_t node_id, int64_t now_ms, int64_t lease_ms);
  static Result<std::vector<std::string>> RenewGroupLeasesNow(PgConnection& db, int32_t node_id,
                                                              int64_t now_ms, int64_t lease_ms);
  static Status ReleaseGroupLeasesNow(PgConnection& db, int32_t node_id, const std::string& group);

  std::unique_ptr<PgPool> pool_;
};

}  // namespace sluice::metadata
