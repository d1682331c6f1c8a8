// SqliteMetadataStore: the commit of segment objects and the chunk index queries.
#include <limits>

#include "metadata/producer_sequence.h"
#include "metadata/sqlite_metadata_store.h"
#include "metadata/sqlite_store_util.h"

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

}  // namespace

Result<std::optional<CommitResult>> SqliteMetadataStore::LoadCommitOutcomeNow(
    const std::string& object_id) {
  SLUICE_ASSIGN_OR_RETURN(Statement exists,
                          db_->Prepare("SELECT 1 FROM objects WHERE object_id = ?1"));
  exists.Bind(1, object_id);
  SLUICE_ASSIGN_OR_RETURN(bool found, exists.Step());
  if (!found) return std::optional<CommitResult>();
  SLUICE_ASSIGN_OR_RETURN(
      Statement st,
      db_->Prepare("SELECT error_code, base_offset, log_append_time_ms, log_start_offset, "
                   "duplicate FROM commit_outcomes WHERE object_id = ?1 ORDER BY chunk_index"));
  st.Bind(1, object_id);
  CommitResult result;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    result.chunks.push_back(ChunkOutcome{static_cast<int16_t>(st.Int(0)), st.Int(1), st.Int(2),
                                         st.Int(3), st.Int(4) != 0});
  }
  return std::optional<CommitResult>(std::move(result));
}

Result<CommitResult> SqliteMetadataStore::CommitObjectNow(const CommitRequest& request) {
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
  return db_->InTransaction([&]() -> Result<CommitResult> {
    // A retry after an unknown outcome gets the first outcome back, byte for byte.
    SLUICE_ASSIGN_OR_RETURN(std::optional<CommitResult> earlier,
                            LoadCommitOutcomeNow(request.object_id));
    if (earlier) return std::move(*earlier);

    const int64_t now = NowMs();
    SLUICE_ASSIGN_OR_RETURN(Statement object,
                            db_->Prepare("INSERT INTO objects (object_id, object_key, level, "
                                         "size_bytes, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)"));
    SLUICE_RETURN_IF_ERROR(object.Bind(1, request.object_id)
                               .Bind(2, request.object_key)
                               .Bind(3, request.level)
                               .Bind(4, static_cast<int64_t>(request.object_size))
                               .Bind(5, now)
                               .Run());
    CommitResult result;
    bool indexed_any = false;
    for (size_t i = 0; i < request.chunks.size(); ++i) {
      bool indexed = false;
      SLUICE_ASSIGN_OR_RETURN(ChunkOutcome outcome,
                              CommitChunkNow(request, request.chunks[i], now, &indexed));
      indexed_any = indexed_any || indexed;
      SLUICE_ASSIGN_OR_RETURN(
          Statement record,
          db_->Prepare("INSERT INTO commit_outcomes (object_id, chunk_index, error_code, "
                       "base_offset, log_append_time_ms, log_start_offset, duplicate) VALUES "
                       "(?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
      SLUICE_RETURN_IF_ERROR(record.Bind(1, request.object_id)
                                 .Bind(2, static_cast<int64_t>(i))
                                 .Bind(3, outcome.error_code)
                                 .Bind(4, outcome.base_offset)
                                 .Bind(5, outcome.log_append_time_ms)
                                 .Bind(6, outcome.log_start_offset)
                                 .Bind(7, outcome.duplicate ? 1 : 0)
                                 .Run());
      result.chunks.push_back(outcome);
    }
    if (!indexed_any) {
      // Nothing in the object is reachable: it is garbage from the start.
      SLUICE_ASSIGN_OR_RETURN(
          Statement dead,
          db_->Prepare("UPDATE objects SET dead_since_ms = ?1 WHERE object_id = ?2"));
      SLUICE_RETURN_IF_ERROR(dead.Bind(1, now).Bind(2, request.object_id).Run());
    }
    return result;
  });
}

Result<ChunkOutcome> SqliteMetadataStore::CommitChunkNow(const CommitRequest& request,
                                                         const ChunkToCommit& chunk, int64_t now_ms,
                                                         bool* indexed) {
  SLUICE_ASSIGN_OR_RETURN(std::optional<TopicRow> topic, FindTopicNow(chunk.topic));
  if (!topic || chunk.partition < 0 || chunk.partition >= topic->num_partitions) {
    return ErrorOutcome(kErrorUnknownTopicOrPartition);
  }
  if (chunk.last_offset_delta < 0 || chunk.record_count < 0) {
    return ErrorOutcome(kErrorCorruptMessage);
  }
  const ByteView topic_id(topic->id);

  int64_t log_start_offset = 0;
  int64_t high_watermark = 0;
  {
    SLUICE_ASSIGN_OR_RETURN(Statement st,
                            db_->Prepare("SELECT log_start_offset, high_watermark FROM partitions "
                                         "WHERE topic_id = ?1 AND partition_id = ?2"));
    st.Bind(1, topic_id).Bind(2, chunk.partition);
    SLUICE_ASSIGN_OR_RETURN(bool found, st.Step());
    if (!found) return ErrorOutcome(kErrorUnknownTopicOrPartition);
    log_start_offset = st.Int(0);
    high_watermark = st.Int(1);
  }

  const bool idempotent = chunk.producer_id >= 0;
  bool new_epoch = false;
  if (idempotent) {
    if (chunk.producer_epoch < 0) return ErrorOutcome(kErrorInvalidProducerEpoch);
    if (chunk.base_sequence < 0) return ErrorOutcome(kErrorOutOfOrderSequence);
    std::optional<int16_t> fenced_epoch;
    {
      SLUICE_ASSIGN_OR_RETURN(
          Statement st,
          db_->Prepare("SELECT producer_epoch FROM producers WHERE producer_id = ?1"));
      st.Bind(1, chunk.producer_id);
      SLUICE_ASSIGN_OR_RETURN(bool found, st.Step());
      if (found) fenced_epoch = static_cast<int16_t>(st.Int(0));
    }
    std::optional<ProducerPartitionState> state;
    {
      SLUICE_ASSIGN_OR_RETURN(
          Statement st,
          db_->Prepare("SELECT producer_epoch, last_sequence FROM producer_state WHERE "
                       "producer_id = ?1 AND topic_id = ?2 AND partition_id = ?3"));
      st.Bind(1, chunk.producer_id).Bind(2, topic_id).Bind(3, chunk.partition);
      SLUICE_ASSIGN_OR_RETURN(bool found, st.Step());
      if (found) {
        state.emplace();
        state->epoch = static_cast<int16_t>(st.Int(0));
        state->last_sequence = static_cast<int32_t>(st.Int(1));
      }
    }
    if (state) {
      SLUICE_ASSIGN_OR_RETURN(
          Statement st,
          db_->Prepare("SELECT base_sequence, last_sequence, base_offset FROM producer_batches "
                       "WHERE producer_id = ?1 AND topic_id = ?2 AND partition_id = ?3"));
      st.Bind(1, chunk.producer_id).Bind(2, topic_id).Bind(3, chunk.partition);
      while (true) {
        SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        state->recent.push_back(
            {static_cast<int32_t>(st.Int(0)), static_cast<int32_t>(st.Int(1)), st.Int(2)});
      }
    }
    SequenceDecision decision = CheckSequence(
        state, fenced_epoch, {chunk.producer_epoch, chunk.base_sequence, chunk.last_offset_delta});
    if (decision.kind == SequenceDecision::Kind::kReject) {
      ChunkOutcome out = ErrorOutcome(decision.error_code);
      out.log_start_offset = log_start_offset;
      return out;
    }
    if (decision.kind == SequenceDecision::Kind::kDuplicate) {
      // As Kafka answers a duplicate: success with the original offset, no append time.
      ChunkOutcome out;
      out.base_offset = decision.original_base_offset;
      out.log_start_offset = log_start_offset;
      out.duplicate = true;
      return out;
    }
    new_epoch = decision.new_epoch;
  }

  const int64_t base_offset = high_watermark;
  {
    SLUICE_ASSIGN_OR_RETURN(Statement st,
                            db_->Prepare("UPDATE partitions SET high_watermark = ?1 WHERE "
                                         "topic_id = ?2 AND partition_id = ?3"));
    SLUICE_RETURN_IF_ERROR(st.Bind(1, base_offset + chunk.last_offset_delta + 1)
                               .Bind(2, topic_id)
                               .Bind(3, chunk.partition)
                               .Run());
  }
  {
    SLUICE_ASSIGN_OR_RETURN(
        Statement st,
        db_->Prepare("INSERT INTO chunks (topic_id, partition_id, base_offset, offset_count, "
                     "record_count, object_id, byte_offset, byte_length, first_timestamp, "
                     "max_timestamp) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
    SLUICE_RETURN_IF_ERROR(st.Bind(1, topic_id)
                               .Bind(2, chunk.partition)
                               .Bind(3, base_offset)
                               .Bind(4, static_cast<int64_t>(chunk.last_offset_delta) + 1)
                               .Bind(5, chunk.record_count)
                               .Bind(6, request.object_id)
                               .Bind(7, static_cast<int64_t>(chunk.byte_offset))
                               .Bind(8, static_cast<int64_t>(chunk.byte_length))
                               .Bind(9, chunk.first_timestamp)
                               .Bind(10, chunk.max_timestamp)
                               .Run());
  }
  if (idempotent) {
    const int32_t last_sequence = LastSequenceOf(chunk.base_sequence, chunk.last_offset_delta);
    if (new_epoch) {
      SLUICE_ASSIGN_OR_RETURN(Statement st,
                              db_->Prepare("DELETE FROM producer_batches WHERE producer_id = ?1 "
                                           "AND topic_id = ?2 AND partition_id = ?3"));
      SLUICE_RETURN_IF_ERROR(
          st.Bind(1, chunk.producer_id).Bind(2, topic_id).Bind(3, chunk.partition).Run());
    }
    {
      SLUICE_ASSIGN_OR_RETURN(
          Statement st,
          db_->Prepare("INSERT INTO producer_state (producer_id, topic_id, partition_id, "
                       "producer_epoch, last_sequence, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, "
                       "?6) ON CONFLICT (producer_id, topic_id, partition_id) DO UPDATE SET "
                       "producer_epoch = excluded.producer_epoch, last_sequence = "
                       "excluded.last_sequence, updated_ms = excluded.updated_ms"));
      SLUICE_RETURN_IF_ERROR(st.Bind(1, chunk.producer_id)
                                 .Bind(2, topic_id)
                                 .Bind(3, chunk.partition)
                                 .Bind(4, chunk.producer_epoch)
                                 .Bind(5, last_sequence)
                                 .Bind(6, now_ms)
                                 .Run());
    }
    {
      SLUICE_ASSIGN_OR_RETURN(
          Statement st,
          db_->Prepare(
              "INSERT INTO producer_batches (producer_id, topic_id, partition_id, "
              "base_offset, base_sequence, last_sequence) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
      SLUICE_RETURN_IF_ERROR(st.Bind(1, chunk.producer_id)
                                 .Bind(2, topic_id)
                                 .Bind(3, chunk.partition)
                                 .Bind(4, base_offset)
                                 .Bind(5, chunk.base_sequence)
                                 .Bind(6, last_sequence)
                                 .Run());
    }
    {
      // Keep only the newest kRememberedBatches batches (highest offsets).
      SLUICE_ASSIGN_OR_RETURN(
          Statement st,
          db_->Prepare("DELETE FROM producer_batches WHERE producer_id = ?1 AND topic_id = ?2 AND "
                       "partition_id = ?3 AND base_offset NOT IN (SELECT base_offset FROM "
                       "producer_batches WHERE producer_id = ?1 AND topic_id = ?2 AND "
                       "partition_id = ?3 ORDER BY base_offset DESC LIMIT ?4)"));
      SLUICE_RETURN_IF_ERROR(st.Bind(1, chunk.producer_id)
                                 .Bind(2, topic_id)
                                 .Bind(3, chunk.partition)
                                 .Bind(4, kRememberedBatches)
                                 .Run());
    }
  }
  *indexed = true;
  ChunkOutcome out;
  out.base_offset = base_offset;
  out.log_append_time_ms = now_ms;
  out.log_start_offset = log_start_offset;
  return out;
}

Result<std::vector<IndexedChunk>> SqliteMetadataStore::FindChunksNow(const std::string& topic,
                                                                     int32_t partition,
                                                                     int64_t from_offset,
                                                                     uint64_t max_bytes) {
  SLUICE_ASSIGN_OR_RETURN(TopicRow row, RequireTopicNow(topic));
  if (partition < 0 || partition >= row.num_partitions) {
    return Status::NotFound("unknown partition " + topic + "-" + std::to_string(partition));
  }
  const ByteView topic_id(row.id);
  static constexpr char kColumns[] =
      "SELECT o.object_key, c.byte_offset, c.byte_length, c.base_offset, c.offset_count, "
      "c.record_count, c.first_timestamp, c.max_timestamp FROM chunks c JOIN objects o ON "
      "o.object_id = c.object_id WHERE c.topic_id = ?1 AND c.partition_id = ?2 ";
  auto read = [](const Statement& st) {
    return IndexedChunk{st.Text(0),
                        static_cast<uint64_t>(st.Int(1)),
                        static_cast<uint32_t>(st.Int(2)),
                        st.Int(3),
                        static_cast<int32_t>(st.Int(4)),
                        static_cast<int32_t>(st.Int(5)),
                        st.Int(6),
                        st.Int(7),
                        std::nullopt};
  };
  std::vector<IndexedChunk> out;
  uint64_t bytes = 0;
  {
    // The batch containing from_offset starts at or before it.
    SLUICE_ASSIGN_OR_RETURN(
        Statement st, db_->Prepare(std::string(kColumns) +
                                   "AND c.base_offset <= ?3 ORDER BY c.base_offset DESC LIMIT 1"));
    st.Bind(1, topic_id).Bind(2, partition).Bind(3, from_offset);
    SLUICE_ASSIGN_OR_RETURN(bool found, st.Step());
    if (found) {
      IndexedChunk chunk = read(st);
      if (chunk.base_offset + chunk.offset_count > from_offset) {
        bytes += chunk.byte_length;
        out.push_back(std::move(chunk));
      }
    }
  }
  SLUICE_ASSIGN_OR_RETURN(Statement st,
                          db_->Prepare(std::string(kColumns) +
                                       "AND c.base_offset > ?3 ORDER BY c.base_offset LIMIT ?4"));
  st.Bind(1, topic_id).Bind(2, partition).Bind(3, from_offset).Bind(4, kMaxChunksPerFind);
  while (static_cast<int>(out.size()) < kMaxChunksPerFind) {
    SLUICE_ASSIGN_OR_RETURN(bool has, st.Step());
    if (!has) break;
    IndexedChunk chunk = read(st);
    if (!out.empty() && bytes + chunk.byte_length > max_bytes) break;
    bytes += chunk.byte_length;
    out.push_back(std::move(chunk));
  }
  return out;
}

Result<std::optional<std::pair<int64_t, int64_t>>> SqliteMetadataStore::OffsetForTimestampNow(
    const std::string& topic, int32_t partition, int64_t timestamp) {
  SLUICE_ASSIGN_OR_RETURN(TopicRow row, RequireTopicNow(topic));
  SLUICE_ASSIGN_OR_RETURN(
      Statement st,
      db_->Prepare("SELECT base_offset, max_timestamp FROM chunks WHERE topic_id = ?1 AND "
                   "partition_id = ?2 AND max_timestamp >= ?3 ORDER BY base_offset LIMIT 1"));
  st.Bind(1, ByteView(row.id)).Bind(2, partition).Bind(3, timestamp);
  SLUICE_ASSIGN_OR_RETURN(bool found, st.Step());
  if (!found) return std::optional<std::pair<int64_t, int64_t>>();
  return std::optional<std::pair<int64_t, int64_t>>({st.Int(0), st.Int(1)});
}

Result<std::optional<std::pair<int64_t, int64_t>>> SqliteMetadataStore::MaxTimestampNow(
    const std::string& topic, int32_t partition) {
  SLUICE_ASSIGN_OR_RETURN(TopicRow row, RequireTopicNow(topic));
  // Ties go to the earliest batch, as Kafka keeps the first offset with the largest timestamp.
  SLUICE_ASSIGN_OR_RETURN(
      Statement st,
      db_->Prepare("SELECT base_offset, max_timestamp FROM chunks WHERE topic_id = ?1 AND "
                   "partition_id = ?2 ORDER BY max_timestamp DESC, base_offset ASC LIMIT 1"));
  st.Bind(1, ByteView(row.id)).Bind(2, partition);
  SLUICE_ASSIGN_OR_RETURN(bool found, st.Step());
  if (!found) return std::optional<std::pair<int64_t, int64_t>>();
  return std::optional<std::pair<int64_t, int64_t>>({st.Int(0), st.Int(1)});
}

Task<Result<CommitResult>> SqliteMetadataStore::CommitObject(CommitRequest request) {
  auto work = [this, request = std::move(request)] { return CommitObjectNow(request); };
  co_return co_await OnDbThread(std::move(work));
}

Task<Result<std::vector<IndexedChunk>>> SqliteMetadataStore::FindChunks(std::string topic,
                                                                        int32_t partition,
                                                                        int64_t from_offset,
                                                                        uint64_t max_bytes) {
  auto work = [this, topic = std::move(topic), partition, from_offset, max_bytes] {
    return FindChunksNow(topic, partition, from_offset, max_bytes);
  };
  co_return co_await OnDbThread(std::move(work));
}

Task<Result<std::optional<std::pair<int64_t, int64_t>>>> SqliteMetadataStore::OffsetForTimestamp(
    std::string topic, int32_t partition, int64_t timestamp) {
  auto work = [this, topic = std::move(topic), partition, timestamp] {
    return OffsetForTimestampNow(topic, partition, timestamp);
  };
  co_return co_await OnDbThread(std::move(work));
}

Task<Result<std::optional<std::pair<int64_t, int64_t>>>> SqliteMetadataStore::MaxTimestamp(
    std::string topic, int32_t partition) {
  auto work = [this, topic = std::move(topic), partition] {
    return MaxTimestampNow(topic, partition);
  };
  co_return co_await OnDbThread(std::move(work));
}

}  // namespace sluice::metadata
