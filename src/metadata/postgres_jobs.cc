// PostgresMetadataStore: leases, the job queue, object lifecycle (compaction swap, dead objects)
// and the log start offset, for many jobs agents sharing one database. The SQL mirrors
// sqlite_jobs.cc.
//
// Concurrency: workers claim with FOR UPDATE SKIP LOCKED, so concurrent claims get disjoint jobs
// without waiting on each other. A lease is an upsert whose WHERE is evaluated on the newest
// committed row, so one contender wins. The compaction swap and the log start advance lock the
// partitions they touch (sorted by topic name and partition, the produce commit's order):
// the swap FOR SHARE, the advance FOR UPDATE, so a swap never re-inserts a chunk that an advance
// running beside it is dropping.
#include <map>
#include <set>

#include "metadata/postgres_metadata_store.h"
#include "metadata/postgres_store_util.h"

namespace sluice::metadata {

namespace {

using Retry = RetryAfterLostCommit;

constexpr char kJobColumns[] =
    "job_id, kind, payload, attempts, created_ms, lease_expires_ms, lease_owner";
constexpr char kObjectColumns[] =
    "object_id, object_key, level, size_bytes, created_ms, dead_since_ms";

Result<ClaimedJob> JobFromRow(const PgResult& res, int row) {
  ClaimedJob job;
  job.job_id = res.Text(row, 0);
  job.kind = res.Text(row, 1);
  SLUICE_ASSIGN_OR_RETURN(Bytes payload, res.Bytea(row, 2));
  job.payload.assign(payload.begin(), payload.end());
  SLUICE_ASSIGN_OR_RETURN(job.attempts, Int32At(res, row, 3));
  SLUICE_ASSIGN_OR_RETURN(job.created_ms, res.Int(row, 4));
  if (!res.IsNull(row, 5)) {
    SLUICE_ASSIGN_OR_RETURN(job.lease_expires_ms, res.Int(row, 5));
  }
  if (!res.IsNull(row, 6)) job.lease_owner = res.Text(row, 6);
  return job;
}

Result<std::vector<ClaimedJob>> JobsFrom(const PgResult& res) {
  std::vector<ClaimedJob> out;
  for (int i = 0; i < res.rows(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(ClaimedJob job, JobFromRow(res, i));
    out.push_back(std::move(job));
  }
  return out;
}

Result<std::vector<ObjectRecord>> ObjectsFrom(const PgResult& res) {
  std::vector<ObjectRecord> out;
  for (int i = 0; i < res.rows(); ++i) {
    ObjectRecord o;
    o.object_id = res.Text(i, 0);
    o.object_key = res.Text(i, 1);
    SLUICE_ASSIGN_OR_RETURN(o.level, Int32At(res, i, 2));
    SLUICE_ASSIGN_OR_RETURN(int64_t size, res.Int(i, 3));
    o.size_bytes = static_cast<uint64_t>(size);
    SLUICE_ASSIGN_OR_RETURN(o.created_ms, res.Int(i, 4));
    if (!res.IsNull(i, 5)) {
      SLUICE_ASSIGN_OR_RETURN(int64_t dead, res.Int(i, 5));
      o.dead_since_ms = dead;
    }
    out.push_back(std::move(o));
  }
  return out;
}

ByteView TextBytes(const std::string& s) {
  return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

}  // namespace

Task<Result<bool>> PostgresMetadataStore::AcquireLease(std::string name, std::string owner,
                                                       int64_t now_ms, int64_t lease_ms) {
  auto work = [name = std::move(name), owner = std::move(owner), now_ms,
               lease_ms](PgConnection& db) -> Result<bool> {
    if (name.empty() || owner.empty()) return Status::InvalidArgument("lease without a name/owner");
    return InTransaction(db, Retry::kYes, [&]() -> Result<bool> {
      SLUICE_ASSIGN_OR_RETURN(
          PgResult res,
          db.Exec("INSERT INTO leases (lease_name, owner, expires_ms) VALUES ($1, $2, $3) "
                  "ON CONFLICT (lease_name) DO UPDATE SET owner = excluded.owner, "
                  "expires_ms = excluded.expires_ms WHERE leases.owner = excluded.owner "
                  "OR leases.expires_ms <= $4 RETURNING owner",
                  {name, owner, now_ms + lease_ms, now_ms}));
      return res.rows() == 1;
    });
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Status> PostgresMetadataStore::EnqueueJobs(std::vector<JobSpec> jobs, int64_t now_ms) {
  auto work = [jobs = std::move(jobs), now_ms](PgConnection& db) -> Status {
    return InTransaction(db, Retry::kYes, [&]() -> Status {
      for (const JobSpec& job : jobs) {
        if (job.job_id.empty() || job.kind.empty()) {
          return Status::InvalidArgument("job without an id or kind");
        }
        SLUICE_RETURN_IF_ERROR(
            db.Exec("INSERT INTO jobs (job_id, kind, payload, state, attempts, created_ms) "
                    "VALUES ($1, $2, $3, 'queued', 0, $4) ON CONFLICT (job_id) DO NOTHING",
                    {job.job_id, job.kind, TextBytes(job.payload), now_ms})
                .status());
      }
      return Status::Ok();
    });
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<std::vector<ClaimedJob>>> PostgresMetadataStore::ClaimJobs(std::string owner,
                                                                       int32_t max_jobs,
                                                                       int64_t now_ms,
                                                                       int64_t lease_ms) {
  auto work = [owner = std::move(owner), max_jobs, now_ms,
               lease_ms](PgConnection& db) -> Result<std::vector<ClaimedJob>> {
    if (owner.empty()) return Status::InvalidArgument("claim without an owner");
    // A lost COMMIT is retried: the jobs it claimed are then re-claimed after their lease.
    return InTransaction(db, Retry::kYes, [&]() -> Result<std::vector<ClaimedJob>> {
      SLUICE_ASSIGN_OR_RETURN(
          PgResult res,
          db.Exec(std::string("UPDATE jobs SET state = 'running', lease_owner = $1, "
                              "lease_expires_ms = $2, attempts = attempts + 1 WHERE job_id IN "
                              "(SELECT job_id FROM jobs WHERE lease_expires_ms IS NULL OR "
                              "lease_expires_ms <= $3 ORDER BY created_ms, job_id LIMIT $4 "
                              "FOR UPDATE SKIP LOCKED) RETURNING ") +
                      kJobColumns,
                  {owner, now_ms + lease_ms, now_ms, max_jobs}));
      SLUICE_ASSIGN_OR_RETURN(std::vector<ClaimedJob> jobs, JobsFrom(res));
      std::sort(jobs.begin(), jobs.end(), [](const ClaimedJob& a, const ClaimedJob& b) {
        return std::tie(a.created_ms, a.job_id) < std::tie(b.created_ms, b.job_id);
      });
      return jobs;
    });
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Status> PostgresMetadataStore::FinishJob(std::string job_id, std::string owner) {
  auto work = [job_id = std::move(job_id), owner = std::move(owner)](PgConnection& db) -> Status {
    SLUICE_ASSIGN_OR_RETURN(
        PgResult res,
        db.Exec("DELETE FROM jobs WHERE job_id = $1 AND lease_owner = $2", {job_id, owner}));
    if (res.affected() != 1) return Status::Conflict("job " + job_id + " is not held by " + owner);
    return Status::Ok();
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<std::vector<ClaimedJob>>> PostgresMetadataStore::ListJobs() {
  auto work = [](PgConnection& db) -> Result<std::vector<ClaimedJob>> {
    SLUICE_ASSIGN_OR_RETURN(PgResult res, db.Exec(std::string("SELECT ") + kJobColumns +
                                                  " FROM jobs ORDER BY created_ms, job_id"));
    return JobsFrom(res);
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<std::vector<ObjectRecord>>> PostgresMetadataStore::ListLiveObjects(int32_t limit) {
  auto work = [limit](PgConnection& db) -> Result<std::vector<ObjectRecord>> {
    SLUICE_ASSIGN_OR_RETURN(PgResult res,
                            db.Exec(std::string("SELECT ") + kObjectColumns +
                                        " FROM objects WHERE dead_since_ms IS NULL ORDER BY level, "
                                        "created_ms, object_id LIMIT $1",
                                    {limit}));
    return ObjectsFrom(res);
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<std::optional<ObjectRecord>>> PostgresMetadataStore::GetObject(std::string object_id) {
  auto work = [object_id =
                   std::move(object_id)](PgConnection& db) -> Result<std::optional<ObjectRecord>> {
    SLUICE_ASSIGN_OR_RETURN(PgResult res, db.Exec(std::string("SELECT ") + kObjectColumns +
                                                      " FROM objects WHERE object_id = $1",
                                                  {object_id}));
    SLUICE_ASSIGN_OR_RETURN(std::vector<ObjectRecord> found, ObjectsFrom(res));
    if (found.empty()) return std::optional<ObjectRecord>();
    return std::optional<ObjectRecord>(std::move(found.front()));
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<std::vector<ObjectChunk>>> PostgresMetadataStore::ListObjectChunks(
    std::vector<std::string> object_ids) {
  auto work = [ids = std::move(object_ids)](PgConnection& db) -> Result<std::vector<ObjectChunk>> {
    std::vector<ObjectChunk> out;
    for (const std::string& id : ids) {
      SLUICE_ASSIGN_OR_RETURN(
          PgResult res,
          db.Exec("SELECT c.object_id, t.name, c.partition_id, c.base_offset, c.offset_count, "
                  "c.record_count, c.byte_offset, c.byte_length, c.first_timestamp, "
                  "c.max_timestamp FROM chunks c JOIN topics t ON t.topic_id = c.topic_id "
                  "WHERE c.object_id = $1",
                  {id}));
      for (int i = 0; i < res.rows(); ++i) {
        ObjectChunk c;
        c.object_id = res.Text(i, 0);
        c.topic = res.Text(i, 1);
        SLUICE_ASSIGN_OR_RETURN(c.partition, Int32At(res, i, 2));
        SLUICE_ASSIGN_OR_RETURN(c.base_offset, res.Int(i, 3));
        SLUICE_ASSIGN_OR_RETURN(c.offset_count, Int32At(res, i, 4));
        SLUICE_ASSIGN_OR_RETURN(c.record_count, Int32At(res, i, 5));
        SLUICE_ASSIGN_OR_RETURN(int64_t byte_offset, res.Int(i, 6));
        SLUICE_ASSIGN_OR_RETURN(int64_t byte_length, res.Int(i, 7));
        c.byte_offset = static_cast<uint64_t>(byte_offset);
        c.byte_length = static_cast<uint32_t>(byte_length);
        SLUICE_ASSIGN_OR_RETURN(c.first_timestamp, res.Int(i, 8));
        SLUICE_ASSIGN_OR_RETURN(c.max_timestamp, res.Int(i, 9));
        out.push_back(std::move(c));
      }
    }
    std::sort(out.begin(), out.end(), [](const ObjectChunk& a, const ObjectChunk& b) {
      return std::tie(a.topic, a.partition, a.base_offset) <
             std::tie(b.topic, b.partition, b.base_offset);
    });
    return out;
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<CompactionOutcome>> PostgresMetadataStore::CommitCompaction(CompactionCommit commit,
                                                                        int64_t now_ms) {
  auto work = [c = std::move(commit), now_ms](PgConnection& db) -> Result<CompactionOutcome> {
    if (c.output_object_id.empty() || c.output_object_key.empty()) {
      return Status::InvalidArgument("compaction output without an id or key");
    }
    const std::set<std::string> inputs(c.input_object_ids.begin(), c.input_object_ids.end());
    for (const MovedChunk& m : c.chunks) {
      if (m.byte_offset > c.output_size || m.byte_length > c.output_size - m.byte_offset) {
        return Status::InvalidArgument("moved chunk lies outside the output object");
      }
      if (!inputs.contains(m.source_object_id)) {
        return Status::InvalidArgument("moved chunk from " + m.source_object_id +
                                       ", which is not an input");
      }
    }
    for (const DroppedChunk& d : c.dropped_chunks) {
      if (!inputs.contains(d.source_object_id)) {
        return Status::InvalidArgument("dropped chunk from " + d.source_object_id +
                                       ", which is not an input");
      }
    }
    return InTransaction(db, Retry::kYes, [&]() -> Result<CompactionOutcome> {
      CompactionOutcome outcome;
      // The output id's row is the idempotency key; ON CONFLICT tells a retry apart.
      SLUICE_ASSIGN_OR_RETURN(
          PgResult inserted,
          db.Exec("INSERT INTO objects (object_id, object_key, level, size_bytes, created_ms) "
                  "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (object_id) DO NOTHING",
                  {c.output_object_id, c.output_object_key, c.output_level,
                   static_cast<int64_t>(c.output_size), now_ms}));
      if (inserted.affected() == 0) {
        SLUICE_ASSIGN_OR_RETURN(
            PgResult existing,
            db.Exec("SELECT object_key FROM objects WHERE object_id = $1", {c.output_object_id}));
        outcome.already_committed = true;
        if (existing.rows() == 1) outcome.committed_key = existing.Text(0, 0);
        return outcome;
      }
      outcome.committed_key = c.output_object_key;
      // Lock the partitions in the produce commit's order (FOR SHARE: swaps do not block each
      // other, but a log start advance waits for us and we for it).
      std::map<std::string, std::optional<TopicRow>> topics;
      for (const MovedChunk& m : c.chunks) topics[m.topic];
      for (const DroppedChunk& d : c.dropped_chunks) topics[d.topic];
      for (auto& [name, row] : topics) {
        SLUICE_ASSIGN_OR_RETURN(row, FindTopicNow(db, name, "FOR SHARE"));
      }
      std::set<std::pair<std::string, int32_t>> partitions;
      for (const MovedChunk& m : c.chunks) {
        if (topics[m.topic]) partitions.insert({m.topic, m.partition});
      }
      for (const DroppedChunk& d : c.dropped_chunks) {
        if (topics[d.topic]) partitions.insert({d.topic, d.partition});
      }
      for (const auto& [topic, partition] : partitions) {
        SLUICE_RETURN_IF_ERROR(db.Exec("SELECT 1 FROM partitions WHERE topic_id = $1 AND "
                                       "partition_id = $2 FOR SHARE",
                                       {ByteView(topics[topic]->id), partition})
                                   .status());
      }
      // A source row that is gone from its input but indexed elsewhere was moved by another
      // compaction that shared the input: what this job dropped (compacted topics) assumed those
      // records were its own, so the swap fails and the retry decides again.
      auto conflict_if_moved = [&](const TopicRow& topic, const std::string& name,
                                   int32_t partition, int64_t base_offset) -> Status {
        SLUICE_ASSIGN_OR_RETURN(
            PgResult elsewhere,
            db.Exec("SELECT 1 FROM chunks WHERE topic_id = $1 AND partition_id = $2 AND "
                    "base_offset = $3",
                    {ByteView(topic.id), partition, base_offset}));
        if (elsewhere.rows() == 0) return Status::Ok();
        return Status::Conflict("chunk " + name + "-" + std::to_string(partition) + "@" +
                                std::to_string(base_offset) + " was moved by another compaction");
      };
      for (const MovedChunk& m : c.chunks) {
        const auto& topic = topics[m.topic];
        if (!topic) continue;  // deleted meanwhile: its rows are gone already
        SLUICE_ASSIGN_OR_RETURN(
            PgResult moved,
            db.Exec("UPDATE chunks SET object_id = $5, byte_offset = $6, byte_length = $7, "
                    "record_count = CASE WHEN $8::INTEGER >= 0 THEN $8::INTEGER ELSE record_count "
                    "END WHERE topic_id = $1 AND partition_id = $2 AND base_offset = $3 AND "
                    "object_id = $4",
                    {ByteView(topic->id), m.partition, m.base_offset, m.source_object_id,
                     c.output_object_id, static_cast<int64_t>(m.byte_offset),
                     static_cast<int64_t>(m.byte_length), m.record_count}));
        if (moved.affected() == 0) {
          SLUICE_RETURN_IF_ERROR(conflict_if_moved(*topic, m.topic, m.partition, m.base_offset));
        }
        outcome.chunks_moved += static_cast<int32_t>(moved.affected());
      }
      // Chunks whose records were all compacted away lose their index row.
      for (const DroppedChunk& d : c.dropped_chunks) {
        const auto& topic = topics[d.topic];
        if (!topic) continue;
        SLUICE_ASSIGN_OR_RETURN(
            PgResult dropped,
            db.Exec("DELETE FROM chunks WHERE topic_id = $1 AND partition_id = $2 AND "
                    "base_offset = $3 AND object_id = $4",
                    {ByteView(topic->id), d.partition, d.base_offset, d.source_object_id}));
        if (dropped.affected() == 0) {
          SLUICE_RETURN_IF_ERROR(conflict_if_moved(*topic, d.topic, d.partition, d.base_offset));
        }
        outcome.chunks_dropped += static_cast<int32_t>(dropped.affected());
      }
      for (const std::string& input : inputs) {
        SLUICE_ASSIGN_OR_RETURN(
            PgResult left, db.Exec("SELECT 1 FROM chunks WHERE object_id = $1 LIMIT 1", {input}));
        if (left.rows() > 0) {
          return Status::Conflict("compaction input " + input + " has chunks the output lacks");
        }
        SLUICE_RETURN_IF_ERROR(db.Exec("UPDATE objects SET dead_since_ms = $1 WHERE object_id = "
                                       "$2 AND dead_since_ms IS NULL",
                                       {now_ms, input})
                                   .status());
      }
      if (outcome.chunks_moved == 0) {
        SLUICE_RETURN_IF_ERROR(db.Exec("UPDATE objects SET dead_since_ms = $1 WHERE object_id = $2",
                                       {now_ms, c.output_object_id})
                                   .status());
      }
      return outcome;
    });
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<std::vector<ObjectRecord>>> PostgresMetadataStore::ListDeadObjects(
    int64_t dead_before_ms, int32_t limit) {
  auto work = [dead_before_ms, limit](PgConnection& db) -> Result<std::vector<ObjectRecord>> {
    SLUICE_ASSIGN_OR_RETURN(
        PgResult res, db.Exec(std::string("SELECT ") + kObjectColumns +
                                  " FROM objects WHERE dead_since_ms IS NOT NULL AND "
                                  "dead_since_ms <= $1 ORDER BY dead_since_ms, object_id LIMIT $2",
                              {dead_before_ms, limit}));
    return ObjectsFrom(res);
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Status> PostgresMetadataStore::ForgetObjects(std::vector<std::string> object_ids) {
  auto work = [ids = std::move(object_ids)](PgConnection& db) -> Status {
    return InTransaction(db, Retry::kYes, [&]() -> Status {
      for (const std::string& id : ids) {
        SLUICE_RETURN_IF_ERROR(
            db.Exec("DELETE FROM objects WHERE object_id = $1 AND dead_since_ms IS NOT NULL AND "
                    "NOT EXISTS (SELECT 1 FROM chunks WHERE chunks.object_id = $1)",
                    {id})
                .status());
      }
      return Status::Ok();
    });
  };
  co_return co_await pool_->Run(std::move(work));
}

// No index on object_key: one pass over `objects` per slice of keys (see sqlite_jobs.cc).
Task<Result<std::vector<std::string>>> PostgresMetadataStore::ListKnownObjectKeys(
    std::vector<std::string> object_keys) {
  auto work = [asked =
                   std::move(object_keys)](PgConnection& db) -> Result<std::vector<std::string>> {
    constexpr size_t kSlice = 500;  // bound parameters per statement
    const std::set<std::string> unique(asked.begin(), asked.end());
    const std::vector<std::string> keys(unique.begin(), unique.end());
    std::vector<std::string> known;
    for (size_t begin = 0; begin < keys.size(); begin += kSlice) {
      const size_t end = std::min(keys.size(), begin + kSlice);
      std::string sql = "SELECT DISTINCT object_key FROM objects WHERE object_key IN (";
      std::vector<PgParam> params;
      for (size_t i = begin; i < end; ++i) {
        sql += (i == begin ? "$" : ", $") + std::to_string(i - begin + 1);
        params.emplace_back(keys[i]);
      }
      sql += ")";
      SLUICE_ASSIGN_OR_RETURN(PgResult res, db.Exec(sql, params));
      for (int row = 0; row < res.rows(); ++row) known.push_back(res.Text(row, 0));
    }
    return known;
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Status> PostgresMetadataStore::ReleaseJob(std::string job_id, std::string owner,
                                               int64_t retry_at_ms) {
  auto work = [job_id = std::move(job_id), owner = std::move(owner),
               retry_at_ms](PgConnection& db) -> Status {
    SLUICE_ASSIGN_OR_RETURN(
        PgResult res,
        db.Exec("UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires_ms = $3 "
                "WHERE job_id = $1 AND lease_owner = $2",
                {job_id, owner, retry_at_ms}));
    if (res.affected() != 1) return Status::Conflict("job " + job_id + " is not held by " + owner);
    return Status::Ok();
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<int64_t>> PostgresMetadataStore::AdvanceLogStartOffset(std::string topic,
                                                                   int32_t partition,
                                                                   int64_t offset, int64_t now_ms) {
  auto work = [topic = std::move(topic), partition, offset,
               now_ms](PgConnection& db) -> Result<int64_t> {
    return InTransaction(db, Retry::kYes, [&]() -> Result<int64_t> {
      SLUICE_ASSIGN_OR_RETURN(std::optional<TopicRow> row, FindTopicNow(db, topic, "FOR SHARE"));
      if (!row) return Status::NotFound("unknown topic '" + topic + "'");
      const ByteView topic_id(row->id);
      SLUICE_ASSIGN_OR_RETURN(
          PgResult part, db.Exec("SELECT log_start_offset, high_watermark FROM partitions WHERE "
                                 "topic_id = $1 AND partition_id = $2 FOR UPDATE",
                                 {topic_id, partition}));
      if (part.rows() == 0) {
        return Status::NotFound("unknown partition " + topic + "-" + std::to_string(partition));
      }
      SLUICE_ASSIGN_OR_RETURN(const int64_t log_start, part.Int(0, 0));
      SLUICE_ASSIGN_OR_RETURN(const int64_t high_watermark, part.Int(0, 1));
      const int64_t target = offset == -1 ? high_watermark : offset;
      if (target < 0 || target > high_watermark) {
        return Status::InvalidArgument("offset " + std::to_string(offset) +
                                       " is outside [0, high watermark " +
                                       std::to_string(high_watermark) + "]");
      }
      if (target <= log_start) return log_start;
      SLUICE_RETURN_IF_ERROR(db.Exec("UPDATE partitions SET log_start_offset = $1 WHERE "
                                     "topic_id = $2 AND partition_id = $3",
                                     {target, topic_id, partition})
                                 .status());
      // Transaction markers below the log start go too (they have no bytes anywhere).
      SLUICE_RETURN_IF_ERROR(db.Exec("DELETE FROM txn_markers WHERE topic_id = $1 AND "
                                     "partition_id = $2 AND marker_offset < $3",
                                     {topic_id, partition, target})
                                 .status());
      SLUICE_ASSIGN_OR_RETURN(
          PgResult dropped,
          db.Exec("DELETE FROM chunks WHERE topic_id = $1 AND partition_id = $2 AND "
                  "base_offset + offset_count <= $3 RETURNING object_id",
                  {topic_id, partition, target}));
      std::set<std::string> touched;
      for (int i = 0; i < dropped.rows(); ++i) touched.insert(dropped.Text(i, 0));
      for (const std::string& object_id : touched) {
        SLUICE_RETURN_IF_ERROR(
            db.Exec("UPDATE objects SET dead_since_ms = $1 WHERE object_id = $2 AND "
                    "dead_since_ms IS NULL AND NOT EXISTS (SELECT 1 FROM chunks WHERE "
                    "chunks.object_id = $2)",
                    {now_ms, object_id})
                .status());
      }
      return target;
    });
  };
  co_return co_await pool_->Run(std::move(work));
}

// One statement, so the four numbers come from the same snapshot. Uses objects_by_level.
Task<Result<BacklogStats>> PostgresMetadataStore::GetBacklogStats(int64_t now_ms) {
  auto work = [now_ms](PgConnection& db) -> Result<BacklogStats> {
    SLUICE_ASSIGN_OR_RETURN(
        PgResult res,
        db.Exec("SELECT (SELECT COUNT(*) FROM objects WHERE level = 0 AND dead_since_ms IS NULL), "
                "(SELECT COALESCE(SUM(size_bytes), 0) FROM objects WHERE level = 0 AND "
                "dead_since_ms IS NULL), (SELECT COUNT(*) FROM jobs), "
                "(SELECT MIN(created_ms) FROM jobs)"));
    if (res.rows() != 1) return Status::Internal("backlog query returned no row");
    BacklogStats stats;
    SLUICE_ASSIGN_OR_RETURN(stats.uncompacted_objects, res.Int(0, 0));
    SLUICE_ASSIGN_OR_RETURN(stats.uncompacted_bytes, res.Int(0, 1));
    SLUICE_ASSIGN_OR_RETURN(stats.pending_jobs, res.Int(0, 2));
    if (!res.IsNull(0, 3)) {
      SLUICE_ASSIGN_OR_RETURN(const int64_t oldest, res.Int(0, 3));
      const int64_t age = now_ms - oldest;
      stats.oldest_pending_job_age_ms = age > 0 ? age : 0;  // clocks of agents differ a little
    }
    return stats;
  };
  co_return co_await pool_->Run(std::move(work));
}

}  // namespace sluice::metadata
