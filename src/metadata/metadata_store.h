// The metadata-store interface: topics, partitions, the chunk index, idempotent-producer state,
// committed offsets. Back ends: SQLite (embedded default and in-memory) and PostgreSQL;
// both must pass the same test suite (tests/unit/metadata/metadata_store_test.cc). Every multi-row
// change is one transaction.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/asio.h"
#include "common/status.h"
#include "metadata/txn_types.h"

namespace sluice::metadata {

using Uuid = std::array<uint8_t, 16>;
using ConfigMap = std::map<std::string, std::string>;

struct TopicInfo {
  std::string name;
  Uuid id{};
  int32_t num_partitions = 0;
  ConfigMap configs;  // only configs set explicitly on the topic
  int64_t created_ms = 0;
};

struct PartitionInfo {
  int32_t partition = 0;
  int64_t log_start_offset = 0;
  int64_t high_watermark = 0;
  // First offset a read_committed consumer may not read yet: the lowest first offset of the
  // open transactions on the partition, else the high watermark.
  int64_t last_stable_offset = 0;
  int64_t last_abort_offset = -1;  // offset of the partition's newest ABORT marker, -1 if none
};

// One partition's chunk inside a segment object, as the produce path hands it to the commit.
struct ChunkToCommit {
  std::string topic;
  int32_t partition = 0;
  uint64_t byte_offset = 0;  // position of the batch inside the object
  uint32_t byte_length = 0;
  int32_t record_count = 0;       // records in the batch
  int32_t last_offset_delta = 0;  // offsets taken = last_offset_delta + 1
  int64_t first_timestamp = -1;
  int64_t max_timestamp = -1;
  // Idempotent producer fields (producer_id < 0 when not idempotent).
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  // The batch belongs to a transaction (attribute bit 4): accepted only while the producer's
  // transaction is Ongoing with the partition added (docs/design-transactions.md §6).
  bool transactional = false;
};

struct CommitRequest {
  std::string object_id;   // unique; the commit is idempotent by it
  std::string object_key;  // key in the bucket
  uint64_t object_size = 0;
  int32_t level = 0;
  std::vector<ChunkToCommit> chunks;
};

// Outcome for one chunk, in the order of CommitRequest::chunks.
struct ChunkOutcome {
  int16_t error_code = 0;  // Kafka error code: 0, UNKNOWN_TOPIC_OR_PARTITION(3),
                           // OUT_OF_ORDER_SEQUENCE_NUMBER(45), INVALID_PRODUCER_EPOCH(47), ...
  int64_t base_offset = -1;
  int64_t log_append_time_ms = -1;
  int64_t log_start_offset = 0;
  bool duplicate = false;  // an earlier identical batch; base_offset is the original one
  int64_t last_stable_offset = -1;  // the partition's LSO after the commit (-1: unknown)
};

struct CommitResult {
  std::vector<ChunkOutcome> chunks;
};

// A chunk as indexed: where the batch with offsets [base_offset, base_offset+offset_count) lives.
// A transaction marker has no object: `marker` is set, object_key is empty and offset_count 1.
struct IndexedChunk {
  std::string object_key;
  uint64_t byte_offset = 0;
  uint32_t byte_length = 0;
  int64_t base_offset = 0;
  int32_t offset_count = 0;  // last_offset_delta + 1
  int32_t record_count = 0;
  int64_t first_timestamp = -1;
  int64_t max_timestamp = -1;
  std::optional<TxnMarker> marker;
};

struct ProducerIdAllocation {
  int64_t producer_id = -1;
  int16_t producer_epoch = 0;
};

// What an agent tells the cluster about itself when it registers.
struct AgentRegistration {
  std::string instance_id;  // unique per process start (a ULID); for logs and debugging
  std::string host;         // advertised host name
  int32_t kafka_port = 0;   // 0 when the agent runs no Kafka listener (jobs only)
  int32_t http_port = 0;
  std::string roles;  // role names joined with commas, e.g. "proxy,jobs"
  std::string availability_zone;
  std::string agent_group;
};

// A registered agent as the store knows it.
struct AgentRecord {
  int32_t node_id = -1;  // unique for the agent's lifetime, never reused in the cluster
  AgentRegistration agent;
  int64_t registered_ms = 0;
  int64_t lease_expires_ms = 0;
};

struct CommittedOffset {
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
  int64_t commit_time_ms = 0;
};

// --- Jobs (background work: compaction, retention, deletion) -----------------------------------

// A job as the planner enqueues it. The id makes enqueueing idempotent.
struct JobSpec {
  std::string job_id;
  std::string kind;
  std::string payload;
};

// A job a worker holds under a lease until lease_expires_ms.
struct ClaimedJob {
  std::string job_id;
  std::string kind;
  std::string payload;
  int32_t attempts = 0;  // claims so far, this one included
  int64_t created_ms = 0;
  int64_t lease_expires_ms = 0;
  std::string lease_owner;  // empty when nobody holds it
};

// How far the jobs are behind (design.md §7 "Backlog"): proxies read it to slow, then refuse,
// produce while compaction does not keep up.
struct BacklogStats {
  int64_t uncompacted_objects = 0;        // live level-0 objects (one per produce flush)
  int64_t uncompacted_bytes = 0;          // their total size
  int64_t pending_jobs = 0;               // queued jobs, held by a worker or not
  int64_t oldest_pending_job_age_ms = 0;  // 0 without pending jobs; never negative
};

struct ObjectRecord {
  std::string object_id;
  std::string object_key;
  int32_t level = 0;
  uint64_t size_bytes = 0;
  int64_t created_ms = 0;
  std::optional<int64_t> dead_since_ms;
};

// One indexed chunk of an object, as compaction reads it.
struct ObjectChunk {
  std::string object_id;
  std::string topic;
  int32_t partition = 0;
  int64_t base_offset = 0;
  int32_t offset_count = 0;
  int32_t record_count = 0;
  uint64_t byte_offset = 0;
  uint32_t byte_length = 0;
  int64_t first_timestamp = -1;
  int64_t max_timestamp = -1;
};

// Where a chunk of an input object now lives inside the compaction output.
struct MovedChunk {
  std::string source_object_id;
  std::string topic;
  int32_t partition = 0;
  int64_t base_offset = 0;
  uint64_t byte_offset = 0;  // in the output object
  uint32_t byte_length = 0;
  // >= 0 when key compaction re-encoded the batch with fewer records (offsets unchanged);
  // -1 keeps the indexed count.
  int32_t record_count = -1;
};

// A chunk of an input whose records were all compacted away (compacted topics): its index row
// is deleted in the swap, leaving a gap in the partition's offsets that fetch steps over.
struct DroppedChunk {
  std::string source_object_id;
  std::string topic;
  int32_t partition = 0;
  int64_t base_offset = 0;
};

struct CompactionCommit {
  std::string output_object_id;  // fixed by the job: the swap is idempotent by it
  std::string output_object_key;
  uint64_t output_size = 0;
  int32_t output_level = 0;
  std::vector<std::string> input_object_ids;
  std::vector<MovedChunk> chunks;
  std::vector<DroppedChunk> dropped_chunks;
};

struct CompactionOutcome {
  bool already_committed = false;  // an earlier attempt committed this output id
  std::string committed_key;       // the key the store knows for the output id
  int32_t chunks_moved = 0;        // chunk rows now pointing at the output
  int32_t chunks_dropped = 0;      // chunk rows deleted (DroppedChunk)
};

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // Creates or upgrades the schema; safe to call at every start.
  virtual Task<Status> Migrate() = 0;

  // --- Topics ---------------------------------------------------------------------------------
  // AlreadyExists if the name is taken.
  virtual Task<Result<TopicInfo>> CreateTopic(std::string name, int32_t num_partitions,
                                              ConfigMap configs) = 0;
  virtual Task<Result<TopicInfo>> GetTopic(std::string name) = 0;  // NotFound if missing
  virtual Task<Result<std::vector<TopicInfo>>> ListTopics() = 0;
  // Removes the topic, its partitions and index rows; its objects' chunks become dead.
  virtual Task<Status> DeleteTopic(std::string name) = 0;
  // Grows the partition count (InvalidArgument if not larger).
  virtual Task<Status> CreatePartitions(std::string name, int32_t new_total) = 0;
  // Replaces the explicit configs of a topic with `configs`.
  virtual Task<Status> SetTopicConfigs(std::string name, ConfigMap configs) = 0;
  virtual Task<Result<std::vector<PartitionInfo>>> GetPartitions(std::string topic) = 0;

  // --- Produce / fetch ------------------------------------------------------------------------
  // Commits one segment object: assigns offsets chunk by chunk, advances high watermarks, checks
  // idempotent-producer sequences and indexes the chunks, all in one transaction. Committing the
  // same object_id again returns the original outcome and changes nothing.
  virtual Task<Result<CommitResult>> CommitObject(CommitRequest request) = 0;
  // Chunks of a partition whose offsets reach at or past `from_offset`, in offset order, stopping
  // after `max_bytes` worth of chunks (always at least one chunk when any exists).
  virtual Task<Result<std::vector<IndexedChunk>>> FindChunks(std::string topic, int32_t partition,
                                                             int64_t from_offset,
                                                             uint64_t max_bytes) = 0;
  // First offset whose batch has max_timestamp >= timestamp; nullopt when none.
  virtual Task<Result<std::optional<std::pair<int64_t, int64_t>>>> OffsetForTimestamp(
      std::string topic, int32_t partition, int64_t timestamp) = 0;  // (offset, timestamp)
  // The offset and timestamp of the batch with the largest max_timestamp; nullopt when empty.
  virtual Task<Result<std::optional<std::pair<int64_t, int64_t>>>> MaxTimestamp(
      std::string topic, int32_t partition) = 0;

  // --- Idempotent producers -------------------------------------------------------------------
  // A new producer id (epoch 0), or for a transactional id an existing id with its epoch bumped.
  virtual Task<Result<ProducerIdAllocation>> AllocateProducerId(
      std::optional<std::string> transactional_id) = 0;

  // --- Consumer-group offsets -----------------------------------------------------------------
  virtual Task<Status> CommitOffsets(
      std::string group,
      std::vector<std::tuple<std::string, int32_t, CommittedOffset>> offsets) = 0;
  // All committed offsets of the group, keyed by (topic, partition).
  virtual Task<Result<std::map<std::pair<std::string, int32_t>, CommittedOffset>>> FetchOffsets(
      std::string group) = 0;
  virtual Task<Status> DeleteOffsets(std::string group,
                                     std::vector<std::pair<std::string, int32_t>> partitions) = 0;
  virtual Task<Result<std::vector<std::string>>> ListGroupsWithOffsets() = 0;

  // --- Cluster --------------------------------------------------------------------------------
  // The cluster id, created on first use and stable for the store's lifetime.
  virtual Task<Result<std::string>> ClusterId() = 0;

  // --- Membership (times are the callers' wall clocks in ms; agents need roughly synced clocks) -
  // Registers an agent with a lease until now_ms + lease_ms and gives it a node id never given
  // before in this cluster (a restarted agent gets a new one).
  virtual Task<Result<AgentRecord>> RegisterAgent(AgentRegistration agent, int64_t now_ms,
                                                  int64_t lease_ms);
  // Extends the lease to now_ms + lease_ms. NotFound when the record is gone (deregistered, or
  // reaped after expiring): the caller registers again and gets a new node id.
  virtual Task<Status> RenewAgentLease(int32_t node_id, int64_t now_ms, int64_t lease_ms);
  // Removes the agent and releases every group lease it holds. Missing is not an error.
  virtual Task<Status> DeregisterAgent(int32_t node_id);
  // Agents whose lease is still running at now_ms, by node id ascending. Records expired for
  // longer than a few leases may be deleted as a side effect.
  virtual Task<Result<std::vector<AgentRecord>>> ListLiveAgents(int64_t now_ms);

  // --- Consumer-group ownership ---------------------------------------------------------------
  // Exactly one live agent owns a group's in-memory state. Makes node_id the owner until
  // now_ms + lease_ms when nobody owns the group, the owner's lease has run out, or the owner is
  // no longer a live agent (or node_id already owns it, which extends the lease). Returns the
  // owner's node id after the call (node_id itself on success).
  virtual Task<Result<int32_t>> AcquireGroupLease(std::string group, int32_t node_id,
                                                  int64_t now_ms, int64_t lease_ms);
  // Extends every group lease node_id holds; returns the groups it still owns (a lease that ran
  // out and was taken by another agent is not renewed and not returned).
  virtual Task<Result<std::vector<std::string>>> RenewGroupLeases(int32_t node_id, int64_t now_ms,
                                                                  int64_t lease_ms);
  // Gives up one group (the owner is shutting the group down) or, with an empty name, all.
  virtual Task<Status> ReleaseGroupLeases(int32_t node_id, std::string group);

  // --- Jobs (times are the callers' wall clocks in ms) ----------------------------------------
  // Takes or renews the named lease for `owner` until now_ms + lease_ms when it is free, expired
  // or already `owner`'s. true when `owner` holds it afterwards.
  virtual Task<Result<bool>> AcquireLease(std::string name, std::string owner, int64_t now_ms,
                                          int64_t lease_ms);
  // Adds the jobs whose ids are not queued yet; existing ids are left as they are.
  virtual Task<Status> EnqueueJobs(std::vector<JobSpec> jobs, int64_t now_ms);
  // Claims up to max_jobs jobs nobody holds (never claimed, or lease run out), oldest first,
  // for `owner` until now_ms + lease_ms. Concurrent callers get disjoint jobs.
  virtual Task<Result<std::vector<ClaimedJob>>> ClaimJobs(std::string owner, int32_t max_jobs,
                                                          int64_t now_ms, int64_t lease_ms);
  // Removes a finished job. Conflict when `owner` no longer holds it (its lease ran out and
  // another worker claimed it); the job's work must be idempotent anyway.
  virtual Task<Status> FinishJob(std::string job_id, std::string owner);
  // Every queued job (held or not), oldest first.
  virtual Task<Result<std::vector<ClaimedJob>>> ListJobs();
  // Live objects, by level then creation time, at most `limit`.
  virtual Task<Result<std::vector<ObjectRecord>>> ListLiveObjects(int32_t limit);
  // NotFound-free lookup: nullopt when the store does not know the id.
  virtual Task<Result<std::optional<ObjectRecord>>> GetObject(std::string object_id);
  // The indexed chunks of these objects, by (topic, partition, base offset).
  virtual Task<Result<std::vector<ObjectChunk>>> ListObjectChunks(
      std::vector<std::string> object_ids);
  // The index swap of a compaction, in ONE transaction: inserts the output object, re-points
  // every moved chunk whose row still exists in its input (retention or topic deletion may have
  // removed some meanwhile), deletes the rows of dropped chunks, and marks the inputs dead.
  // Conflict (nothing changed) when an input would keep indexed chunks the commit neither moves
  // nor drops. Idempotent by output_object_id.
  virtual Task<Result<CompactionOutcome>> CommitCompaction(CompactionCommit commit, int64_t now_ms);
  // Dead objects with dead_since_ms <= dead_before_ms, oldest death first, at most `limit`.
  virtual Task<Result<std::vector<ObjectRecord>>> ListDeadObjects(int64_t dead_before_ms,
                                                                  int32_t limit);
  // Forgets dead objects (after their bytes were deleted). Live or unknown ids are skipped.
  virtual Task<Status> ForgetObjects(std::vector<std::string> object_ids);
  // The subset of `object_keys` under which the store knows an object (live or dead), in no
  // particular order. The orphan scan deletes bucket keys that are not in it.
  virtual Task<Result<std::vector<std::string>>> ListKnownObjectKeys(
      std::vector<std::string> object_keys);
  // Gives a job back after a failed attempt: nobody holds it, and it can be claimed again from
  // retry_at_ms on (a backoff shorter than the lease). Conflict when `owner` no longer holds it.
  virtual Task<Status> ReleaseJob(std::string job_id, std::string owner, int64_t retry_at_ms);
  // Raises the partition's log start offset to `offset` (-1: the high watermark) and drops the
  // index rows of batches entirely below it; objects left without chunks become dead. Returns
  // the log start offset after the call (never lowered). InvalidArgument when offset is past the
  // high watermark or below -1; NotFound for an unknown topic or partition.
  virtual Task<Result<int64_t>> AdvanceLogStartOffset(std::string topic, int32_t partition,
                                                      int64_t offset, int64_t now_ms);
  // The backlog in one read, ages taken at now_ms (the caller's wall clock).
  virtual Task<Result<BacklogStats>> GetBacklogStats(int64_t now_ms);

  // --- Transactions (KIP-98, docs/design-transactions.md) ---------------------------------------
  // Every call is one store transaction and safe to repeat; coordinator decisions are Kafka error
  // codes in the result, a Status error means the store failed. Any agent may call them: the
  // store serialises a transactional id's changes.
  //
  // InitProducerId with a transactional id: creates the id (epoch 0) or bumps its epoch (a new
  // producer id when the epoch would pass 32766), aborting an Ongoing transaction first (its
  // markers in the result, staged offsets dropped). State becomes Empty.
  virtual Task<Result<InitTxnProducerResult>> InitTransactionalProducer(
      InitTxnProducerRequest request, int64_t now_ms);
  // Adds partitions (all or nothing: an unknown one gets UNKNOWN_TOPIC_OR_PARTITION, the others
  // OPERATION_NOT_ATTEMPTED). Starts the transaction (Ongoing, deadline = now + timeout) when it
  // is not Ongoing. One error code per partition, in the order given.
  virtual Task<Result<std::vector<int16_t>>> AddPartitionsToTxn(
      TxnProducer producer, std::vector<std::pair<std::string, int32_t>> partitions,
      int64_t now_ms);
  // AddOffsetsToTxn: records the group (starting the transaction like AddPartitionsToTxn).
  virtual Task<Result<int16_t>> AddGroupToTxn(TxnProducer producer, std::string group,
                                              int64_t now_ms);
  // TxnOffsetCommit: stages offsets that EndTransaction(commit) makes visible.
  virtual Task<Result<int16_t>> StageTxnOffsets(
      TxnProducer producer, std::string group,
      std::vector<std::tuple<std::string, int32_t, CommittedOffset>> offsets, int64_t now_ms);
  // EndTxn: writes a COMMIT or ABORT marker on every partition the transaction wrote to (at the
  // high watermark), moves (commit) or drops (abort) staged offsets; state Complete*. A repeat
  // with the same result is a success that writes nothing.
  virtual Task<Result<EndTxnResult>> EndTransaction(TxnProducer producer, bool commit,
                                                    int64_t now_ms);
  // Aborts up to `limit` Ongoing transactions whose deadline is at or before now_ms, bumping each
  // producer's epoch so the timed-out producer is fenced.
  virtual Task<Result<std::vector<ExpiredTxnAbort>>> AbortExpiredTransactions(int64_t now_ms,
                                                                              int32_t limit);
  // One description per id, in the order given (unknown ids: TRANSACTIONAL_ID_NOT_FOUND).
  virtual Task<Result<std::vector<TxnDescription>>> DescribeTransactions(
      std::vector<std::string> transactional_ids);
  virtual Task<Result<std::vector<TxnListing>>> ListTransactions();
  // Aborted transactions of the partition whose ABORT marker is at or after from_offset and whose
  // first offset is at or before to_offset, sorted by first offset (Fetch read_committed).
  virtual Task<Result<std::vector<AbortedTxn>>> FindAbortedTransactions(std::string topic,
                                                                        int32_t partition,
                                                                        int64_t from_offset,
                                                                        int64_t to_offset);
  // The subset of `partitions` (topic, partition) for which an open transaction staged offsets
  // of `group` (OffsetFetch require_stable answers UNSTABLE_OFFSET_COMMIT for them).
  virtual Task<Result<std::vector<std::pair<std::string, int32_t>>>> PendingTxnOffsets(
      std::string group, std::vector<std::pair<std::string, int32_t>> partitions);
  // Forgets transactional ids that are not Ongoing and were last used before idle_before_ms
  // (Kafka's transactional.id.expiration.ms). Returns how many.
  virtual Task<Result<int32_t>> ExpireTransactionalIds(int64_t idle_before_ms);
};

// Opens a store from a metadata URL: sqlite:///abs/path/meta.db, sqlite://relative.db,
// sqlite::memory: or postgres://user:pass@host:port/db?sslmode=.... `blocking_executor` runs the
// back end's blocking calls.
Result<std::unique_ptr<MetadataStore>> OpenMetadataStore(const std::string& url,
                                                         asio::any_io_executor blocking_executor);

}  // namespace sluice::metadata
