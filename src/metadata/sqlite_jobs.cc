// SqliteMetadataStore: leases, the job queue, object lifecycle (compaction swap, dead objects) and
// the log start offset. SQLite has one writer at a time (BEGIN IMMEDIATE), so a claim or a swap
// never races another one.
#include <set>

#include "metadata/sqlite_metadata_store.h"
#include "metadata/sqlite_store_util.h"

namespace sluice::metadata {

namespace {

ClaimedJob ReadJob(const Statement& st) {
  ClaimedJob job;
  job.job_id = st.Text(0);
  job.kind = st.Text(1);
  Bytes payload = st.Blob(2);
  job.payload.assign(payload.begin(), payload.end());
  job.attempts = static_cast<int32_t>(st.Int(3));
  job.created_ms = st.Int(4);
  job.lease_expires_ms = st.IsNull(5) ? 0 : st.Int(5);
  job.lease_owner = st.IsNull(6) ? "" : st.Text(6);
  return job;
}

ObjectRecord ReadObject(const Statement& st) {
  ObjectRecord o;
  o.object_id = st.Text(0);
  o.object_key = st.Text(1);
  o.level = static_cast<int32_t>(st.Int(2));
  o.size_bytes = static_cast<uint64_t>(st.Int(3));
  o.created_ms = st.Int(4);
  if (!st.IsNull(5)) o.dead_since_ms = st.Int(5);
  return o;
}

constexpr char kJobColumns[] =
    "SELECT job_id, kind, payload, attempts, created_ms, lease_expires_ms, lease_owner FROM jobs ";
constexpr char kObjectColumns[] =
    "SELECT object_id, object_key, level, size_bytes, created_ms, dead_since_ms FROM objects ";

}  // namespace

Task<Result<bool>> SqliteMetadataStore::AcquireLease(std::string name, std::string owner,
                                                     int64_t now_ms, int64_t lease_ms) {
  auto work = [this, name = std::move(name), owner = std::move(owner), now_ms,
               lease_ms]() -> Result<bool> {
    if (name.empty() || owner.empty()) return Status::InvalidArgument("lease without a name/owner");
    return db_->InTransaction([&]() -> Result<bool> {
      SLUICE_ASSIGN_OR_RETURN(
          Statement st,
          db_->Prepare("INSERT INTO leases (lease_name, owner, expires_ms) VALUES (?1, ?2, ?3) "
                       "ON CONFLICT (lease_name) DO UPDATE SET owner = excluded.owner, "
                       "expires_ms = excluded.expires_ms WHERE leases.owner = excluded.owner "
                       "OR leases.expires_ms <= ?4 RETURNING owner"));
      st.Bind(1, name).Bind(2, owner).Bind(3, now_ms + lease_ms).Bind(4, now_ms);
      SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
      return row;
    });
  };
  co_return co_await OnDbThread(std::move(work));
}

Task<Status> SqliteMetadataStore::EnqueueJobs(std::vector<JobSpec> jobs, int64_t now_ms) {
  auto work = [this, jobs = std::move(jobs), now_ms]() -> Status {
    return db_->InTransaction([&]() -> Status {
      for (const JobSpec& job : jobs) {
        if (job.job_id.empty() || job.kind.empty()) {
          return Status::InvalidArgument("job without an id or kind");
        }
        SLUICE_ASSIGN_OR_RETURN(
            Statement st,
            db_->Prepare("INSERT INTO jobs (job_id, kind, payload, state, attempts, created_ms) "
                         "VALUES (?1, ?2, ?3, 'queued', 0, ?4) ON CONFLICT (job_id) DO NOTHING"));
        ByteView payload(reinterpret_cast<const uint8_t*>(job.payload.data()), job.payload.size());
        SLUICE_RETURN_IF_ERROR(
            st.Bind(1, job.job_id).Bind(2, job.kind).Bind(3, payload).Bind(4, now_ms).Run());
      }
      return Status::Ok();
    });
  };
  co_return co_await OnDbThread(std::move(work));
}

Task<Result<std::vector<ClaimedJob>>> SqliteMetadataStore::ClaimJobs(std::string owner,
                                                                     int32_t max_jobs,
                                                                     int64_t now_ms,
                                                                     int64_t lease_ms) {
  auto work = [this, owner = std::move(owner), max_jobs, now_ms,
               lease_ms]() -> Result<std::vector<ClaimedJob>> {
    if (owner.empty()) return Status::InvalidArgument("claim without an owner");
    return db_->InTransaction([&]() -> Result<std::vector<ClaimedJob>> {
      std::vector<ClaimedJob> claimed;
      {
        SLUICE_ASSIGN_OR_RETURN(
            Statement st, db_->Prepare(std::string(kJobColumns) +
                                       "WHERE lease_expires_ms IS NULL OR lease_expires_ms <= ?1 "
                                       "ORDER BY created_ms, job_id LIMIT ?2"));
        st.Bind(1, now_ms).Bind(2, max_jobs);
        while (true) {
          SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
          if (!row) break;
          claimed.push_back(ReadJob(st));
        }
      }
      for (ClaimedJob& job : claimed) {
        SLUICE_ASSIGN_OR_RETURN(
            Statement st,
            db_->Prepare("UPDATE jobs SET state = 'running', lease_owner = ?1, "
                         "lease_expires_ms = ?2, attempts = attempts + 1 WHERE job_id = ?3"));
        SLUICE_RETURN_IF_ERROR(
            st.Bind(1, owner).Bind(2, now_ms + lease_ms).Bind(3, job.job_id).Run());
        job.attempts += 1;
        job.lease_owner = owner;
        job.lease_expires_ms = now_ms + lease_ms;
      }
      return claimed;
    });
  };
  co_return co_await OnDbThread(std::move(work));
}

Task<Status> SqliteMetadataStore::FinishJob(std::string job_id, std::string owner) {
  auto work = [this, job_id = std::move(job_id), owner = std::move(owner)]() -> Status {
    SLUICE_ASSIGN_OR_RETURN(
        Statement st,
        db_->Prepare("DELETE FROM jobs WHERE job_id = ?1 AND lease_owner = ?2 RETURNING 1"));
    st.Bind(1, job_id).Bind(2, owner);
    SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return Status::Conflict("job " + job_id + " is not held by " + owner);
    return Status::Ok();
  };
  co_return co_await OnDbThread(std::move(work));
}

Task<Result<std::vector<ClaimedJob>>> SqliteMetadataStore::ListJobs() {
  auto work = [this]() -> Result<std::vector<ClaimedJob>> {
    SLUICE_ASSIGN_OR_RETURN(Statement st,
                            db_->Prepare(std::string(kJobColumns) + "ORDER BY created_ms, job_id"));
    std::vector<ClaimedJob> out;
    while (true) {
      SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      out.push_back(ReadJob(st));
    }
    return out;
  };
  co_return co_await OnDbThread(std::move(work));
}

Task<Result<std::vector<ObjectRecord>>> SqliteMetadataStore::ListLiveObjects(int32_t limit) {
  auto work = [this, limit]() -> Result<std::vector<ObjectRecord>> {
    SLUICE_ASSIGN_OR_RETURN(Statement st,
                            db_->Prepare(std::string(kObjectColumns) +
                                         "WHERE dead_since_ms IS NULL ORDER BY level, created_ms, "
                                         "object_id LIMIT ?1"));
    st.Bind(1, limit);
    std::vector<ObjectRecord> out;
    while (true) {
      SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      out.push_back(ReadObject(st));
    }
    return out;
  };
  co_return co_await OnDbThread(std::move(work));
}

Task<Result<std::optional<ObjectRecord>>> SqliteMetadataStore::GetObject(std::string object_id) {
  auto work = [this, object_id = std::move(object_id)]() -> Result<std::optional<ObjectRecord>> {
    SLUICE_ASSIGN_OR_RETURN(Statement st,
                            db_->Prepare(std::string(kObjectColumns) + "WHERE object_id = ?1"));
    st.Bind(1, object_id);
    SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return std::optional<ObjectRecord>();
    return std::optional<ObjectRecord>(ReadObject(st));
  };
  co_return co_await OnDbThread(std::move(work));
}

Task<Result<std::vector<ObjectChunk>>> SqliteMetadataStore::ListObjectChunks(
    std::vector<std::string> object_ids) {
  auto work = [this, ids = std::move(object_ids)]() -> Result<std::vector<ObjectChunk>> {
    std::vector<ObjectChunk> out;
    for (const std::string& id : ids) {
      SLUICE_ASSIGN_OR_RETURN(
          Statement st,
          db_->Prepare("SELECT c.object_id, t.name, c.partition_id, c.base_offset, "
                       "c.offset_count, c.record_count, c.byte_offset, c.byte_length, "
                       "c.first_timestamp, c.max_timestamp FROM chunks c JOIN topics t ON "
                       "t.topic_id = c.topic_id WHERE c.object_id = ?1"));
      st.Bind(1, id);
      while (true) {
        SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        out.push_back(ObjectChunk{st.Text(0), st.Text(1), static_cast<int32_t>(st.Int(2)),
                                  st.Int(3), static_cast<int32_t>(st.Int(4)),
                                  static_cast<int32_t>(st.Int(5)), static_cast<uint64_t>(st.Int(6)),
                                  static_cast<uint32_t>(st.Int(7)), st.Int(8), st.Int(9)});
      }
    }
    std::sort(out.begin(), out.end(), [](const ObjectChunk& a, const ObjectChunk& b) {
      return std::tie(a.topic, a.partition, a.base_offset) <
             std::tie(b.topic, b.partition, b.base_offset);
    });
    return out;
  };
  co_return co_await OnDbThread(std::move(work));
}

Task<Result<CompactionOutcome>> SqliteMetadataStore::CommitCompaction(CompactionCommit commit,
                                                                      int64_t now_ms) {
  auto work = [this, c = std::move(commit), now_ms]() -> Result<CompactionOutcome> {
    if (c.output_object_id.empty() || c.output_object_key.empty()) {
      return Status::InvalidArgument("compaction output without an id or key");
    }
    for (const MovedChunk& m : c.chunks) {
      if (m.byte_offset > c.output_size || m.byte_length > c.output_size - m.byte_offset) {
        return Status::InvalidArgument("moved chunk lies outside the output object");
      }
    }
    return db_->InTransaction([&]() -> Result<CompactionOutcome> {
      CompactionOutcome outcome;
      {
        SLUICE_ASSIGN_OR_RETURN(
            Statement st, db_->Prepare("SELECT object_key FROM objects WHERE object_id = ?1"));
        st.Bind(1, c.output_object_id);
        SLUICE_ASSIGN_OR_RETURN(bool found, st.Step());
        if (found) {
          outcome.already_committed = true;
          outcome.committed_key = st.Text(0);
          return outcome;
        }
      }
      SLUICE_ASSIGN_OR_RETURN(Statement insert,
                              db_->Prepare("INSERT INTO objects (object_id, object_key, level, "
                                           "size_bytes, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)"));
      SLUICE_RETURN_IF_ERROR(insert.Bind(1, c.output_object_id)
                                 .Bind(2, c.output_object_key)
                                 .Bind(3, c.output_level)
                                 .Bind(4, static_cast<int64_t>(c.output_size))
                                 .Bind(5, now_ms)
                                 .Run());
      outcome.committed_key = c.output_object_key;
      const std::set<std::string> inputs(c.input_object_ids.begin(), c.input_object_ids.end());
      // A source row that is gone from its input but indexed elsewhere was moved by another
      // compaction that shared the input: what this job dropped (compacted topics) assumed those
      // records were its own, so the swap fails and the retry decides again.
      auto conflict_if_moved = [&](const TopicRow& topic, const std::string& name,
                                   int32_t partition, int64_t base_offset) -> Status {
        SLUICE_ASSIGN_OR_RETURN(Statement st,
                                db_->Prepare("SELECT 1 FROM chunks WHERE topic_id = ?1 AND "
                                             "partition_id = ?2 AND base_offset = ?3"));
        st.Bind(1, ByteView(topic.id)).Bind(2, partition).Bind(3, base_offset);
        SLUICE_ASSIGN_OR_RETURN(bool elsewhere, st.Step());
        if (!elsewhere) return Status::Ok();
        return Status::Conflict("chunk " + name + "-" + std::to_string(partition) + "@" +
                                std::to_string(base_offset) + " was moved by another compaction");
      };
      for (const MovedChunk& m : c.chunks) {
        if (!inputs.contains(m.source_object_id)) {
          return Status::InvalidArgument("moved chunk from " + m.source_object_id +
                                         ", which is not an input");
        }
        SLUICE_ASSIGN_OR_RETURN(std::optional<TopicRow> topic, FindTopicNow(m.topic));
        if (!topic) continue;  // deleted meanwhile: its rows are gone already
        // The source row may be gone (retention, topic deletion): then the bytes stay unindexed.
        SLUICE_ASSIGN_OR_RETURN(
            Statement move,
            db_->Prepare("UPDATE chunks SET object_id = ?5, byte_offset = ?6, byte_length = ?7, "
                         "record_count = CASE WHEN ?8 >= 0 THEN ?8 ELSE record_count END "
                         "WHERE topic_id = ?1 AND partition_id = ?2 AND base_offset = ?3 AND "
                         "object_id = ?4 RETURNING 1"));
        move.Bind(1, ByteView(topic->id)).Bind(2, m.partition).Bind(3, m.base_offset);
        move.Bind(4, m.source_object_id).Bind(5, c.output_object_id);
        move.Bind(6, static_cast<int64_t>(m.byte_offset))
            .Bind(7, static_cast<int64_t>(m.byte_length))
            .Bind(8, m.record_count);
        SLUICE_ASSIGN_OR_RETURN(bool moved, move.Step());
        if (!moved) {
          SLUICE_RETURN_IF_ERROR(conflict_if_moved(*topic, m.topic, m.partition, m.base_offset));
          continue;
        }
        outcome.chunks_moved++;
      }
      // Chunks whose records were all compacted away lose their index row.
      for (const DroppedChunk& d : c.dropped_chunks) {
        if (!inputs.contains(d.source_object_id)) {
          return Status::InvalidArgument("dropped chunk from " + d.source_object_id +
                                         ", which is not an input");
        }
        SLUICE_ASSIGN_OR_RETURN(std::optional<TopicRow> topic, FindTopicNow(d.topic));
        if (!topic) continue;
        SLUICE_ASSIGN_OR_RETURN(
            Statement drop,
            db_->Prepare("DELETE FROM chunks WHERE topic_id = ?1 AND partition_id = ?2 AND "
                         "base_offset = ?3 AND object_id = ?4 RETURNING 1"));
        drop.Bind(1, ByteView(topic->id)).Bind(2, d.partition).Bind(3, d.base_offset);
        drop.Bind(4, d.source_object_id);
        SLUICE_ASSIGN_OR_RETURN(bool dropped, drop.Step());
        if (!dropped)
          SLUICE_RETURN_IF_ERROR(conflict_if_moved(*topic, d.topic, d.partition, d.base_offset));
        if (dropped) outcome.chunks_dropped++;
      }
      for (const std::string& input : inputs) {
        SLUICE_ASSIGN_OR_RETURN(Statement left,
                                db_->Prepare("SELECT 1 FROM chunks WHERE object_id = ?1 LIMIT 1"));
        left.Bind(1, input);
        SLUICE_ASSIGN_OR_RETURN(bool still_indexed, left.Step());
        if (still_indexed) {
          return Status::Conflict("compaction input " + input + " has chunks the output lacks");
        }
        SLUICE_ASSIGN_OR_RETURN(Statement dead,
                                db_->Prepare("UPDATE objects SET dead_since_ms = ?1 WHERE "
                                             "object_id = ?2 AND dead_since_ms IS NULL"));
        SLUICE_RETURN_IF_ERROR(dead.Bind(1, now_ms).Bind(2, input).Run());
      }
      if (outcome.chunks_moved == 0) {
        SLUICE_ASSIGN_OR_RETURN(
            Statement dead,
            db_->Prepare("UPDATE objects SET dead_since_ms = ?1 WHERE object_id = ?2"));
        SLUICE_RETURN_IF_ERROR(dead.Bind(1, now_ms).Bind(2, c.output_object_id).Run());
      }
      return outcome;
    });
  };
  co_return co_await OnDbThread(std::move(work));
}

Task<Result<std::vector<ObjectRecord>>> SqliteMetadataStore::ListDeadObjects(int64_t dead_before_ms,
                                                                             int32_t limit) {
  auto work = [this, dead_before_ms, limit]() -> Result<std::vector<ObjectRecord>> {
    SLUICE_ASSIGN_OR_RETURN(
        Statement st,
        db_->Prepare(std::string(kObjectColumns) +
                     "WHERE dead_since_ms IS NOT NULL AND dead_since_ms <= ?1 ORDER BY "
                     "dead_since_ms, object_id LIMIT ?2"));
    st.Bind(1, dead_before_ms).Bind(2, limit);
    std::vector<ObjectRecord> out;
    while (true) {
      SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      out.push_back(ReadObject(st));
    }
    return out;
  };
  co_return co_await OnDbThread(std::move(work));
}

Task<Status> SqliteMetadataStore::ForgetObjects(std::vector<std::string> object_ids) {
  auto work = [this, ids = std::move(object_ids)]() -> Status {
    return db_->InTransaction([&]() -> Status {
      for (const std::string& id : ids) {
        SLUICE_ASSIGN_OR_RETURN(
            Statement st,
            db_->Prepare("DELETE FROM objects WHERE object_id = ?1 AND dead_since_ms IS NOT NULL "
                         "AND NOT EXISTS (SELECT 1 FROM chunks WHERE chunks.object_id = ?1)"));
        SLUICE_RETURN_IF_ERROR(st.Bind(1, id).Run());
      }
      return Status::Ok();
    });
  };
  co_return co_await OnDbThread(std::move(work));
}

// No index on object_key: one pass over `objects` per slice of keys. The orphan scan calls this
// once per listed page, about hourly, and `objects` holds live objects plus the recently dead.
Task<Result<std::vector<std::string>>> SqliteMetadataStore::ListKnownObjectKeys(
    std::vector<std::string> object_keys) {
  auto work = [this, asked = std::move(object_keys)]() -> Result<std::vector<std::string>> {
    constexpr size_t kSlice = 500;  // bound parameters per statement
    const std::set<std::string> unique(asked.begin(), asked.end());
    const std::vector<std::string> keys(unique.begin(), unique.end());
    std::vector<std::string> known;
    for (size_t begin = 0; begin < keys.size(); begin += kSlice) {
      const size_t end = std::min(keys.size(), begin + kSlice);
      std::string sql = "SELECT DISTINCT object_key FROM objects WHERE object_key IN (";
      for (size_t i = begin; i < end; ++i) sql += (i == begin ? "?" : ", ?");
      sql += ")";
      SLUICE_ASSIGN_OR_RETURN(Statement st, db_->Prepare(sql));
      for (size_t i = begin; i < end; ++i) st.Bind(static_cast<int>(i - begin + 1), keys[i]);
      while (true) {
        SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        known.push_back(st.Text(0));
      }
    }
    return known;
  };
  co_return co_await OnDbThread(std::move(work));
}

Task<Status> SqliteMetadataStore::ReleaseJob(std::string job_id, std::string owner,
                                             int64_t retry_at_ms) {
  auto work = [this, job_id = std::move(job_id), owner = std::move(owner),
               retry_at_ms]() -> Status {
    SLUICE_ASSIGN_OR_RETURN(
        Statement st,
        db_->Prepare("UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires_ms = ?3 "
                     "WHERE job_id = ?1 AND lease_owner = ?2 RETURNING 1"));
    st.Bind(1, job_id).Bind(2, owner).Bind(3, retry_at_ms);
    SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return Status::Conflict("job " + job_id + " is not held by " + owner);
    return Status::Ok();
  };
  co_return co_await OnDbThread(std::move(work));
}

Task<Result<int64_t>> SqliteMetadataStore::AdvanceLogStartOffset(std::string topic,
                                                                 int32_t partition, int64_t offset,
                                                                 int64_t now_ms) {
  auto work = [this, topic = std::move(topic), partition, offset, now_ms]() -> Result<int64_t> {
    return db_->InTransaction([&]() -> Result<int64_t> {
      SLUICE_ASSIGN_OR_RETURN(TopicRow row, RequireTopicNow(topic));
      const ByteView topic_id(row.id);
      int64_t log_start = 0, high_watermark = 0;
      {
        SLUICE_ASSIGN_OR_RETURN(
            Statement st, db_->Prepare("SELECT log_start_offset, high_watermark FROM partitions "
                                       "WHERE topic_id = ?1 AND partition_id = ?2"));
        st.Bind(1, topic_id).Bind(2, partition);
        SLUICE_ASSIGN_OR_RETURN(bool found, st.Step());
        if (!found) {
          return Status::NotFound("unknown partition " + topic + "-" + std::to_string(partition));
        }
        log_start = st.Int(0);
        high_watermark = st.Int(1);
      }
      const int64_t target = offset == -1 ? high_watermark : offset;
      if (target < 0 || target > high_watermark) {
        return Status::InvalidArgument("offset " + std::to_string(offset) +
                                       " is outside [0, high watermark " +
                                       std::to_string(high_watermark) + "]");
      }
      if (target <= log_start) return log_start;
      {
        SLUICE_ASSIGN_OR_RETURN(Statement st,
                                db_->Prepare("UPDATE partitions SET log_start_offset = ?1 WHERE "
                                             "topic_id = ?2 AND partition_id = ?3"));
        SLUICE_RETURN_IF_ERROR(st.Bind(1, target).Bind(2, topic_id).Bind(3, partition).Run());
      }
      std::set<std::string> touched;
      {
        SLUICE_ASSIGN_OR_RETURN(
            Statement st,
            db_->Prepare("DELETE FROM chunks WHERE topic_id = ?1 AND partition_id = ?2 AND "
                         "base_offset + offset_count <= ?3 RETURNING object_id"));
        st.Bind(1, topic_id).Bind(2, partition).Bind(3, target);
        while (true) {
          SLUICE_ASSIGN_OR_RETURN(bool row_left, st.Step());
          if (!row_left) break;
          touched.insert(st.Text(0));
        }
      }
      for (const std::string& object_id : touched) {
        SLUICE_ASSIGN_OR_RETURN(
            Statement dead,
            db_->Prepare("UPDATE objects SET dead_since_ms = ?1 WHERE object_id = ?2 AND "
                         "dead_since_ms IS NULL AND NOT EXISTS (SELECT 1 FROM chunks WHERE "
                         "chunks.object_id = ?2)"));
        SLUICE_RETURN_IF_ERROR(dead.Bind(1, now_ms).Bind(2, object_id).Run());
      }
      return target;
    });
  };
  co_return co_await OnDbThread(std::move(work));
}

// One statement, so the four numbers come from the same snapshot. Uses objects_by_level.
Task<Result<BacklogStats>> SqliteMetadataStore::GetBacklogStats(int64_t now_ms) {
  auto work = [this, now_ms]() -> Result<BacklogStats> {
    SLUICE_ASSIGN_OR_RETURN(
        Statement st,
        db_->Prepare("SELECT (SELECT COUNT(*) FROM objects WHERE level = 0 AND dead_since_ms IS "
                     "NULL), (SELECT COALESCE(SUM(size_bytes), 0) FROM objects WHERE level = 0 "
                     "AND dead_since_ms IS NULL), (SELECT COUNT(*) FROM jobs), "
                     "(SELECT MIN(created_ms) FROM jobs)"));
    SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return Status::Internal("backlog query returned no row");
    BacklogStats stats;
    stats.uncompacted_objects = st.Int(0);
    stats.uncompacted_bytes = st.Int(1);
    stats.pending_jobs = st.Int(2);
    if (!st.IsNull(3)) {
      const int64_t age = now_ms - st.Int(3);
      stats.oldest_pending_job_age_ms = age > 0 ? age : 0;  // clocks of agents differ a little
    }
    return stats;
  };
  co_return co_await OnDbThread(std::move(work));
}

}  // namespace sluice::metadata
