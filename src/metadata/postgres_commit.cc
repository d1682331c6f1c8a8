// PostgresMetadataStore: the commit of segment objects and the chunk index queries.
//
// Concurrency: many agents commit to the same partitions at once. Each commit is one READ
// COMMITTED transaction that (1) claims the object id (a concurrent duplicate waits on the unique
// index and then reads the stored outcome), (2) share-locks the topic rows and (3) locks its
// partition rows FOR UPDATE, sorted by (topic name, partition) so two commits never wait on each
// other in a cycle. Offsets and producer state of a partition are then read and written only by
// the holder of that partition's lock: gap-free, non-overlapping offsets and exact duplicate
// detection across agents.
#include <algorithm>
#include <map>

#include "metadata/postgres_metadata_store.h"
#include "metadata/postgres_store_util.h"
#include "metadata/producer_sequence.h"
#include "metadata/sqlite_store_util.h"
#include "metadata/txn_rules.h"

namespace sluice::metadata {

namespace {

constexpr int16_t kErrorCorruptMessage = 2;
constexpr int16_t kErrorUnknownTopicOrPartition = 3;
// FindChunks returns at most this many chunks per call; callers continue from the last one.
constexpr int kMaxChunksPerFind = 1000;

ChunkOutcome ErrorOutcome(int16_t code) {
  ChunkOutcome out;
  out.error_code = code;
  return out;
}

Status ValidateCommitRequest(const CommitRequest& request) {
  if (request.object_id.empty()) return Status::InvalidArgument("commit without an object id");
  if (request.object_key.empty()) return Status::InvalidArgument("commit without an object key");
  for (size_t i = 0; i < request.chunks.size(); ++i) {
    const ChunkToCommit& c = request.chunks[i];
    if (c.byte_offset > request.object_size ||
        c.byte_length > request.object_size - c.byte_offset) {
      return Status::InvalidArgument("chunk " + std::to_string(i) + " of object " +
                                     request.object_id + " lies outside its " +
                                     std::to_string(request.object_size) + " bytes");
    }
  }
  if (request.object_size > static_cast<uint64_t>(INT64_MAX)) {
    return Status::InvalidArgument("object size out of range");
  }
  return Status::Ok();
}

// The transactions row (with its producer's epoch) of each transactional producer id in a commit.
struct TxnOfCommit {
  std::string transactional_id;
  std::optional<txn::TxnRow> row;  // nullopt: no transactions row has the producer id
};
using TxnsOfCommit = std::map<int64_t, TxnOfCommit>;

Result<TxnsOfCommit> LockTransactionsNow(PgConnection& db, const CommitRequest& request) {
  TxnsOfCommit txns;  // sorted by producer id: the lock order
  for (const ChunkToCommit& c : request.chunks) {
    if (c.transactional) txns[c.producer_id];
  }
  for (auto& [producer_id, txn] : txns) {
    if (producer_id < 0) continue;
    SLUICE_ASSIGN_OR_RETURN(
        PgResult res,
        db.Exec("SELECT transactional_id, last_producer_epoch, state FROM transactions WHERE "
                "producer_id = $1 FOR SHARE",
                {producer_id}));
    if (res.rows() == 0) continue;
    txn.transactional_id = res.Text(0, 0);
    txn::TxnRow row;
    row.producer_id = producer_id;
    SLUICE_ASSIGN_OR_RETURN(const int32_t last_epoch, Int32At(res, 0, 1));
    row.last_producer_epoch = static_cast<int16_t>(last_epoch);
    std::optional<txn::TxnState> state = txn::ParseTxnState(res.Text(0, 2));
    if (!state) return Status::Corruption("unknown transaction state '" + res.Text(0, 2) + "'");
    row.state = *state;
    // A statement after the lock: it sees the epoch the last coordinator call wrote.
    SLUICE_ASSIGN_OR_RETURN(
        PgResult epoch,
        db.Exec("SELECT producer_epoch FROM producers WHERE producer_id = $1", {producer_id}));
    if (epoch.rows() == 0) return Status::Corruption("transaction without its producers row");
    SLUICE_ASSIGN_OR_RETURN(const int32_t current, Int32At(epoch, 0, 0));
    row.producer_epoch = static_cast<int16_t>(current);
    txn.row = row;
  }
  return txns;
}

// 0 when the chunk may go on to the sequence check: not transactional, or its transaction is
// Ongoing at its epoch with this partition added (design-transactions.md §6).
Result<int16_t> AdmitTransactionalNow(PgConnection& db, const TxnsOfCommit& txns,
                                      const ChunkToCommit& chunk, ByteView topic_id) {
  if (!chunk.transactional) return int16_t{0};
  const TxnOfCommit& txn = txns.at(chunk.producer_id);
  bool added = false;
  if (txn.row) {
    SLUICE_ASSIGN_OR_RETURN(PgResult res,
                            db.Exec("SELECT 1 FROM txn_partitions WHERE transactional_id = $1 "
                                    "AND topic_id = $2 AND partition_id = $3",
                                    {txn.transactional_id, topic_id, chunk.partition}));
    added = res.rows() > 0;
  }
  return txn::AdmitTransactionalChunk(txn.row, chunk.producer_epoch, added);
}

}  // namespace

Result<std::optional<CommitResult>> PostgresMetadataStore::LoadCommitOutcomeNow(
    PgConnection& db, const std::string& object_id) {
  SLUICE_ASSIGN_OR_RETURN(PgResult exists,
                          db.Exec("SELECT 1 FROM objects WHERE object_id = $1", {object_id}));
  if (exists.rows() == 0) return std::optional<CommitResult>();
  SLUICE_ASSIGN_OR_RETURN(
      PgResult res,
      db.Exec("SELECT error_code, base_offset, log_append_time_ms, log_start_offset, duplicate "
              "FROM commit_outcomes WHERE object_id = $1 ORDER BY chunk_index",
              {object_id}));
  CommitResult result;
  for (int r = 0; r < res.rows(); ++r) {
    ChunkOutcome out;
    SLUICE_ASSIGN_OR_RETURN(const int32_t code, Int32At(res, r, 0));
    out.error_code = static_cast<int16_t>(code);
    SLUICE_ASSIGN_OR_RETURN(out.base_offset, res.Int(r, 1));
    SLUICE_ASSIGN_OR_RETURN(out.log_append_time_ms, res.Int(r, 2));
    SLUICE_ASSIGN_OR_RETURN(out.log_start_offset, res.Int(r, 3));
    SLUICE_ASSIGN_OR_RETURN(const int64_t duplicate, res.Int(r, 4));
    out.duplicate = duplicate != 0;
    result.chunks.push_back(out);
  }
  return std::optional<CommitResult>(std::move(result));
}

Result<CommitResult> PostgresMetadataStore::CommitObjectNow(PgConnection& db,
                                                            const CommitRequest& request) {
  SLUICE_RETURN_IF_ERROR(ValidateCommitRequest(request));
  // Idempotent by object id, so a lost COMMIT is safely retried: the retry finds the outcome.
  return InTransaction(db, RetryAfterLostCommit::kYes, [&]() -> Result<CommitResult> {
    const int64_t now = NowMs();
    SLUICE_ASSIGN_OR_RETURN(
        PgResult claimed,
        db.Exec("INSERT INTO objects (object_id, object_key, level, size_bytes, created_ms) "
                "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (object_id) DO NOTHING",
                {request.object_id, request.object_key, request.level,
                 static_cast<int64_t>(request.object_size), now}));
    if (claimed.affected() == 0) {
      // Committed before (maybe by another agent a moment ago): its first outcome, unchanged.
      SLUICE_ASSIGN_OR_RETURN(std::optional<CommitResult> earlier,
                              LoadCommitOutcomeNow(db, request.object_id));
      if (!earlier) return Status::Internal("object " + request.object_id + " vanished");
      return std::move(*earlier);
    }

    // Transactions of the object's transactional batches, FOR SHARE in producer id order (the
    // lock order, before topics and partitions): EndTxn waits for this commit, or this commit
    // sees the transaction ended and rejects the batch, never a batch after the marker.
    SLUICE_ASSIGN_OR_RETURN(const TxnsOfCommit txns, LockTransactionsNow(db, request));

    std::map<std::string, std::optional<TopicRow>> topics;  // sorted: a stable lock order
    for (const ChunkToCommit& c : request.chunks) topics[c.topic];
    for (auto& [name, row] : topics) {
      SLUICE_ASSIGN_OR_RETURN(row, FindTopicNow(db, name, "FOR SHARE"));
    }
    std::map<std::pair<std::string, int32_t>, LockedPartition> partitions;
    for (const ChunkToCommit& c : request.chunks) {
      const auto& topic = topics[c.topic];
      if (topic && c.partition >= 0 && c.partition < topic->num_partitions) {
        partitions[{c.topic, c.partition}];
      }
    }
    for (auto it = partitions.begin(); it != partitions.end();) {
      SLUICE_ASSIGN_OR_RETURN(
          PgResult row,
          db.Exec("SELECT log_start_offset, high_watermark FROM partitions WHERE topic_id = $1 "
                  "AND partition_id = $2 FOR UPDATE",
                  {ByteView(topics[it->first.first]->id), it->first.second}));
      if (row.rows() == 0) {
        it = partitions.erase(it);
        continue;
      }
      SLUICE_ASSIGN_OR_RETURN(it->second.log_start_offset, row.Int(0, 0));
      SLUICE_ASSIGN_OR_RETURN(it->second.high_watermark, row.Int(0, 1));
      ++it;
    }

    CommitResult result;
    bool indexed_any = false;
    for (size_t i = 0; i < request.chunks.size(); ++i) {
      const ChunkToCommit& chunk = request.chunks[i];
      auto locked = partitions.find({chunk.topic, chunk.partition});
      ChunkOutcome outcome = ErrorOutcome(kErrorUnknownTopicOrPartition);
      if (locked != partitions.end()) {
        const ByteView topic_id(topics[chunk.topic]->id);
        SLUICE_ASSIGN_OR_RETURN(const int16_t refused,
                                AdmitTransactionalNow(db, txns, chunk, topic_id));
        if (refused != 0) {
          outcome = ErrorOutcome(refused);
          outcome.log_start_offset = locked->second.log_start_offset;
        } else {
          SLUICE_ASSIGN_OR_RETURN(outcome, CommitChunkNow(db, request, chunk, *topics[chunk.topic],
                                                          locked->second, now));
          if (chunk.transactional && outcome.error_code == 0 && !outcome.duplicate) {
            // The transaction's first offset here is set once: it pins the LSO until EndTxn.
            SLUICE_RETURN_IF_ERROR(
                db.Exec("UPDATE txn_partitions SET first_offset = $4 WHERE transactional_id = "
                        "$1 AND topic_id = $2 AND partition_id = $3 AND first_offset IS NULL",
                        {txns.at(chunk.producer_id).transactional_id, topic_id, chunk.partition,
                         outcome.base_offset})
                    .status());
          }
        }
      }
      indexed_any = indexed_any || (outcome.error_code == 0 && !outcome.duplicate);
      SLUICE_RETURN_IF_ERROR(
          db.Exec("INSERT INTO commit_outcomes (object_id, chunk_index, error_code, base_offset, "
                  "log_append_time_ms, log_start_offset, duplicate) VALUES ($1, $2, $3, $4, $5, "
                  "$6, $7)",
                  {request.object_id, static_cast<int64_t>(i), outcome.error_code,
                   outcome.base_offset, outcome.log_append_time_ms, outcome.log_start_offset,
                   outcome.duplicate ? 1 : 0})
              .status());
      result.chunks.push_back(outcome);
    }
    for (const auto& [key, state] : partitions) {
      if (!state.advanced) continue;
      SLUICE_RETURN_IF_ERROR(
          db.Exec("UPDATE partitions SET high_watermark = $1 WHERE topic_id = "
                  "$2 AND partition_id = $3",
                  {state.high_watermark, ByteView(topics[key.first]->id), key.second})
              .status());
    }
    // The LSO of every partition after this commit, for the agent's cache and commit notices.
    for (auto& [key, state] : partitions) {
      SLUICE_ASSIGN_OR_RETURN(
          PgResult open,
          db.Exec("SELECT MIN(first_offset) FROM txn_partitions WHERE topic_id = $1 AND "
                  "partition_id = $2 AND first_offset IS NOT NULL",
                  {ByteView(topics[key.first]->id), key.second}));
      int64_t lso = state.high_watermark;
      if (open.rows() == 1 && !open.IsNull(0, 0)) {
        SLUICE_ASSIGN_OR_RETURN(lso, open.Int(0, 0));
      }
      lso = std::max(lso, state.log_start_offset);
      for (size_t i = 0; i < request.chunks.size(); ++i) {
        if (request.chunks[i].topic == key.first && request.chunks[i].partition == key.second) {
          result.chunks[i].last_stable_offset = lso;
        }
      }
    }
    if (!indexed_any) {
      // Nothing in the object is reachable: it is garbage from the start.
      SLUICE_RETURN_IF_ERROR(db.Exec("UPDATE objects SET dead_since_ms = $1 WHERE object_id = $2",
                                     {now, request.object_id})
                                 .status());
    }
    return result;
  });
}

Result<ChunkOutcome> PostgresMetadataStore::CommitChunkNow(
    PgConnection& db, const CommitRequest& request, const ChunkToCommit& chunk,
    const TopicRow& topic, LockedPartition& partition, int64_t now_ms) {
  if (chunk.last_offset_delta < 0 || chunk.record_count < 0) {
    return ErrorOutcome(kErrorCorruptMessage);
  }
  const ByteView topic_id(topic.id);
  const bool idempotent = chunk.producer_id >= 0;
  bool new_epoch = false;
  if (idempotent) {
    if (chunk.producer_epoch < 0) return ErrorOutcome(kErrorInvalidProducerEpoch);
    if (chunk.base_sequence < 0) return ErrorOutcome(kErrorOutOfOrderSequence);
    std::optional<int16_t> fenced_epoch;
    {
      SLUICE_ASSIGN_OR_RETURN(PgResult res,
                              db.Exec("SELECT producer_epoch FROM producers WHERE producer_id = $1",
                                      {chunk.producer_id}));
      if (res.rows() > 0) {
        SLUICE_ASSIGN_OR_RETURN(const int32_t epoch, Int32At(res, 0, 0));
        fenced_epoch = static_cast<int16_t>(epoch);
      }
    }
    // The partition lock already serializes this producer's batches on this partition; the row
    // lock documents (and enforces) that the state is read for writing.
    std::optional<ProducerPartitionState> state;
    {
      SLUICE_ASSIGN_OR_RETURN(
          PgResult res,
          db.Exec("SELECT producer_epoch, last_sequence FROM producer_state WHERE producer_id = "
                  "$1 AND topic_id = $2 AND partition_id = $3 FOR UPDATE",
                  {chunk.producer_id, topic_id, chunk.partition}));
      if (res.rows() > 0) {
        state.emplace();
        SLUICE_ASSIGN_OR_RETURN(const int32_t epoch, Int32At(res, 0, 0));
        state->epoch = static_cast<int16_t>(epoch);
        SLUICE_ASSIGN_OR_RETURN(state->last_sequence, Int32At(res, 0, 1));
      }
    }
    if (state) {
      SLUICE_ASSIGN_OR_RETURN(
          PgResult res,
          db.Exec("SELECT base_sequence, last_sequence, base_offset FROM producer_batches WHERE "
                  "producer_id = $1 AND topic_id = $2 AND partition_id = $3",
                  {chunk.producer_id, topic_id, chunk.partition}));
      for (int r = 0; r < res.rows(); ++r) {
        RecordedBatch batch;
        SLUICE_ASSIGN_OR_RETURN(batch.base_sequence, Int32At(res, r, 0));
        SLUICE_ASSIGN_OR_RETURN(batch.last_sequence, Int32At(res, r, 1));
        SLUICE_ASSIGN_OR_RETURN(batch.base_offset, res.Int(r, 2));
        state->recent.push_back(batch);
      }
    }
    SequenceDecision decision = CheckSequence(
        state, fenced_epoch, {chunk.producer_epoch, chunk.base_sequence, chunk.last_offset_delta});
    if (decision.kind == SequenceDecision::Kind::kReject) {
      ChunkOutcome out = ErrorOutcome(decision.error_code);
      out.log_start_offset = partition.log_start_offset;
      return out;
    }
    if (decision.kind == SequenceDecision::Kind::kDuplicate) {
      // As Kafka answers a duplicate: success with the original offset, no append time.
      ChunkOutcome out;
      out.base_offset = decision.original_base_offset;
      out.log_start_offset = partition.log_start_offset;
      out.duplicate = true;
      return out;
    }
    new_epoch = decision.new_epoch;
  }

  const int64_t base_offset = partition.high_watermark;
  partition.high_watermark = base_offset + chunk.last_offset_delta + 1;
  partition.advanced = true;
  SLUICE_RETURN_IF_ERROR(
      db.Exec("INSERT INTO chunks (topic_id, partition_id, base_offset, offset_count, "
              "record_count, object_id, byte_offset, byte_length, first_timestamp, "
              "max_timestamp) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
              {topic_id, chunk.partition, base_offset,
               static_cast<int64_t>(chunk.last_offset_delta) + 1, chunk.record_count,
               request.object_id, static_cast<int64_t>(chunk.byte_offset),
               static_cast<int64_t>(chunk.byte_length), chunk.first_timestamp, chunk.max_timestamp})
          .status());
  if (idempotent) {
    const int32_t last_sequence = LastSequenceOf(chunk.base_sequence, chunk.last_offset_delta);
    if (new_epoch) {
      SLUICE_RETURN_IF_ERROR(db.Exec("DELETE FROM producer_batches WHERE producer_id = $1 AND "
                                     "topic_id = $2 AND partition_id = $3",
                                     {chunk.producer_id, topic_id, chunk.partition})
                                 .status());
    }
    SLUICE_RETURN_IF_ERROR(
        db.Exec("INSERT INTO producer_state (producer_id, topic_id, partition_id, "
                "producer_epoch, last_sequence, updated_ms) VALUES ($1, $2, $3, $4, $5, $6) "
                "ON CONFLICT (producer_id, topic_id, partition_id) DO UPDATE SET producer_epoch "
                "= excluded.producer_epoch, last_sequence = excluded.last_sequence, updated_ms "
                "= excluded.updated_ms",
                {chunk.producer_id, topic_id, chunk.partition, chunk.producer_epoch, last_sequence,
                 now_ms})
            .status());
    SLUICE_RETURN_IF_ERROR(
        db.Exec("INSERT INTO producer_batches (producer_id, topic_id, partition_id, base_offset, "
                "base_sequence, last_sequence) VALUES ($1, $2, $3, $4, $5, $6)",
                {chunk.producer_id, topic_id, chunk.partition, base_offset, chunk.base_sequence,
                 last_sequence})
            .status());
    // Keep only the newest kRememberedBatches batches (highest offsets).
    SLUICE_RETURN_IF_ERROR(
        db.Exec("DELETE FROM producer_batches WHERE producer_id = $1 AND topic_id = $2 AND "
                "partition_id = $3 AND base_offset NOT IN (SELECT base_offset FROM "
                "producer_batches WHERE producer_id = $1 AND topic_id = $2 AND partition_id = $3 "
                "ORDER BY base_offset DESC LIMIT $4)",
                {chunk.producer_id, topic_id, chunk.partition, kRememberedBatches})
            .status());
  }
  ChunkOutcome out;
  out.base_offset = base_offset;
  out.log_append_time_ms = now_ms;
  out.log_start_offset = partition.log_start_offset;
  return out;
}

namespace {

// Size a marker counts for in FindChunks' byte budget: its control batch is 78 bytes.
constexpr uint32_t kMarkerBatchBytes = 78;

// Data chunks and transaction markers of a partition, in ONE statement so both come from the same
// snapshot (two statements could see a marker whose preceding chunk committed in between): the
// chunk starting at or before $3 (it may contain $3), the chunks after it, and the markers at or
// after it. Marker rows have a NULL object key.
constexpr char kChunksAndMarkers[] =
    "(SELECT o.object_key, c.byte_offset, c.byte_length, c.base_offset, c.offset_count, "
    "c.record_count, c.first_timestamp, c.max_timestamp, NULL::bigint, NULL::integer, "
    "NULL::integer, NULL::integer FROM chunks c JOIN objects o ON o.object_id = c.object_id WHERE "
    "c.topic_id = $1 AND c.partition_id = $2 AND c.base_offset <= $3 ORDER BY c.base_offset DESC "
    "LIMIT 1) UNION ALL "
    "(SELECT o.object_key, c.byte_offset, c.byte_length, c.base_offset, c.offset_count, "
    "c.record_count, c.first_timestamp, c.max_timestamp, NULL::bigint, NULL::integer, "
    "NULL::integer, NULL::integer FROM chunks c JOIN objects o ON o.object_id = c.object_id WHERE "
    "c.topic_id = $1 AND c.partition_id = $2 AND c.base_offset > $3 ORDER BY c.base_offset LIMIT "
    "$4) UNION ALL "
    "(SELECT NULL, 0, 0, m.marker_offset, 1, 1, m.timestamp_ms, m.timestamp_ms, m.producer_id, "
    "m.producer_epoch, m.committed, m.coordinator_epoch FROM txn_markers m WHERE m.topic_id = $1 "
    "AND m.partition_id = $2 AND m.marker_offset >= $3 ORDER BY m.marker_offset LIMIT $4) "
    "ORDER BY 4";

Result<IndexedChunk> ReadChunkOrMarker(const PgResult& res, int r) {
  IndexedChunk c;
  SLUICE_ASSIGN_OR_RETURN(c.base_offset, res.Int(r, 3));
  SLUICE_ASSIGN_OR_RETURN(c.offset_count, Int32At(res, r, 4));
  SLUICE_ASSIGN_OR_RETURN(c.record_count, Int32At(res, r, 5));
  SLUICE_ASSIGN_OR_RETURN(c.first_timestamp, res.Int(r, 6));
  SLUICE_ASSIGN_OR_RETURN(c.max_timestamp, res.Int(r, 7));
  if (res.IsNull(r, 0)) {
    TxnMarker m;
    SLUICE_ASSIGN_OR_RETURN(m.producer_id, res.Int(r, 8));
    SLUICE_ASSIGN_OR_RETURN(const int32_t epoch, Int32At(res, r, 9));
    m.producer_epoch = static_cast<int16_t>(epoch);
    SLUICE_ASSIGN_OR_RETURN(const int64_t committed, res.Int(r, 10));
    m.committed = committed != 0;
    SLUICE_ASSIGN_OR_RETURN(m.coordinator_epoch, Int32At(res, r, 11));
    m.timestamp_ms = c.max_timestamp;
    c.byte_length = kMarkerBatchBytes;
    c.marker = m;
    return c;
  }
  c.object_key = res.Text(r, 0);
  SLUICE_ASSIGN_OR_RETURN(const int64_t byte_offset, res.Int(r, 1));
  SLUICE_ASSIGN_OR_RETURN(const int64_t byte_length, res.Int(r, 2));
  if (byte_offset < 0 || byte_length < 0 || byte_length > UINT32_MAX) {
    return Status::Corruption("chunk row has a bad byte range");
  }
  c.byte_offset = static_cast<uint64_t>(byte_offset);
  c.byte_length = static_cast<uint32_t>(byte_length);
  return c;
}

}  // namespace

Result<std::vector<IndexedChunk>> PostgresMetadataStore::FindChunksNow(PgConnection& db,
                                                                       const std::string& topic,
                                                                       int32_t partition,
                                                                       int64_t from_offset,
                                                                       uint64_t max_bytes) {
  return InTransaction(db, RetryAfterLostCommit::kYes, [&]() -> Result<std::vector<IndexedChunk>> {
    SLUICE_ASSIGN_OR_RETURN(TopicRow row, RequireTopicNow(db, topic));
    if (partition < 0 || partition >= row.num_partitions) {
      return Status::NotFound("unknown partition " + topic + "-" + std::to_string(partition));
    }
    SLUICE_ASSIGN_OR_RETURN(
        PgResult res,
        db.Exec(kChunksAndMarkers, {ByteView(row.id), partition, from_offset, kMaxChunksPerFind}));
    std::vector<IndexedChunk> out;
    uint64_t bytes = 0;
    for (int r = 0; r < res.rows() && static_cast<int>(out.size()) < kMaxChunksPerFind; ++r) {
      SLUICE_ASSIGN_OR_RETURN(IndexedChunk chunk, ReadChunkOrMarker(res, r));
      // The chunk before from_offset counts only when it reaches it.
      if (chunk.base_offset + chunk.offset_count <= from_offset) continue;
      if (!out.empty() && bytes + chunk.byte_length > max_bytes) break;
      bytes += chunk.byte_length;
      out.push_back(std::move(chunk));
    }
    return out;
  });
}

Result<std::optional<std::pair<int64_t, int64_t>>> PostgresMetadataStore::FirstChunkNow(
    PgConnection& db, const std::string& topic, int32_t partition, const std::string& where,
    const std::string& order, std::optional<int64_t> timestamp) {
  using Found = std::optional<std::pair<int64_t, int64_t>>;
  return InTransaction(db, RetryAfterLostCommit::kYes, [&]() -> Result<Found> {
    SLUICE_ASSIGN_OR_RETURN(TopicRow row, RequireTopicNow(db, topic));
    std::vector<PgParam> params = {ByteView(row.id), partition};
    if (timestamp) params.emplace_back(*timestamp);
    SLUICE_ASSIGN_OR_RETURN(
        PgResult res,
        db.Exec("SELECT base_offset, max_timestamp FROM chunks WHERE topic_id = $1 AND "
                "partition_id = $2 " +
                    where + " ORDER BY " + order + " LIMIT 1",
                params));
    if (res.rows() == 0) return Found();
    SLUICE_ASSIGN_OR_RETURN(const int64_t offset, res.Int(0, 0));
    SLUICE_ASSIGN_OR_RETURN(const int64_t max_timestamp, res.Int(0, 1));
    return Found({offset, max_timestamp});
  });
}

Task<Result<CommitResult>> PostgresMetadataStore::CommitObject(CommitRequest request) {
  auto work = [request = std::move(request)](PgConnection& db) {
    return CommitObjectNow(db, request);
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<std::vector<IndexedChunk>>> PostgresMetadataStore::FindChunks(std::string topic,
                                                                          int32_t partition,
                                                                          int64_t from_offset,
                                                                          uint64_t max_bytes) {
  auto work = [topic = std::move(topic), partition, from_offset, max_bytes](PgConnection& db) {
    return FindChunksNow(db, topic, partition, from_offset, max_bytes);
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<std::optional<std::pair<int64_t, int64_t>>>> PostgresMetadataStore::OffsetForTimestamp(
    std::string topic, int32_t partition, int64_t timestamp) {
  auto work = [topic = std::move(topic), partition, timestamp](PgConnection& db) {
    return FirstChunkNow(db, topic, partition, "AND max_timestamp >= $3", "base_offset", timestamp);
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<std::optional<std::pair<int64_t, int64_t>>>> PostgresMetadataStore::MaxTimestamp(
    std::string topic, int32_t partition) {
  // Ties go to the earliest batch, as Kafka keeps the first offset with the largest timestamp.
  auto work = [topic = std::move(topic), partition](PgConnection& db) {
    return FirstChunkNow(db, topic, partition, "", "max_timestamp DESC, base_offset ASC",
                         std::nullopt);
  };
  co_return co_await pool_->Run(std::move(work));
}

}  // namespace sluice::metadata
