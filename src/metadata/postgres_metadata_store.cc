// PostgresMetadataStore: opening, migrations, topics, producer ids, committed offsets, cluster id.
// The produce/fetch half (commit, chunk index) is in postgres_commit.cc.
#include "metadata/postgres_metadata_store.h"

#include <limits>

#include "metadata/ids.h"
#include "metadata/postgres_schema.h"
#include "metadata/postgres_store_util.h"
#include "metadata/sqlite_store_util.h"

namespace sluice::metadata {

using Retry = RetryAfterLostCommit;

Result<std::unique_ptr<MetadataStore>> PostgresMetadataStore::Open(const std::string& url,
                                                                   PostgresStoreOptions options) {
  if (!url.starts_with("postgres://") && !url.starts_with("postgresql://")) {
    return Status::InvalidArgument("not a postgres:// URL: '" + url + "'");
  }
  SLUICE_RETURN_IF_ERROR(ValidatePostgresConninfo(url));
  if (options.statement_timeout_ms < 1) {
    return Status::InvalidArgument("statement timeout must be positive");
  }
  // Without connect_timeout libpq waits as long as TCP does for a dead host, at start-up and on
  // every reconnect; bound it unless the URL chooses.
  std::string conninfo = url;
  if (conninfo.find("connect_timeout=") == std::string::npos) {
    conninfo += conninfo.find('?') == std::string::npos ? "?" : "&";
    conninfo += "connect_timeout=10";
  }
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<PgPool> pool,
                          PgPool::Open(conninfo, options.pool_size, options.statement_timeout_ms));
  return std::unique_ptr<MetadataStore>(new PostgresMetadataStore(std::move(pool)));
}

// --- Migrations and cluster id ------------------------------------------------------------------

Status PostgresMetadataStore::MigrateNow(PgConnection& db) {
  const std::vector<PostgresMigration> migrations = PostgresSchemaMigrations();
  const int known = migrations.empty() ? 0 : migrations.back().version;
  // Every step holds the advisory lock until its transaction ends, so agents starting together
  // never run the same DDL at once (CREATE TABLE IF NOT EXISTS alone is not safe for that).
  auto lock = [&db]() -> Status {
    return db.Exec("SELECT pg_advisory_xact_lock($1)", {kMigrationAdvisoryLock}).status();
  };
  SLUICE_RETURN_IF_ERROR(InTransaction(db, Retry::kYes, [&]() -> Status {
    SLUICE_RETURN_IF_ERROR(lock());
    SLUICE_RETURN_IF_ERROR(db.Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER "
                                   "PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)")
                               .status());
    SLUICE_ASSIGN_OR_RETURN(PgResult newest, db.Exec("SELECT MAX(version) FROM schema_migrations"));
    if (newest.rows() == 1 && !newest.IsNull(0, 0)) {
      SLUICE_ASSIGN_OR_RETURN(int64_t version, newest.Int(0, 0));
      if (version > known) {
        return Status::Internal("metadata schema version " + std::to_string(version) +
                                " is newer than this binary knows (" + std::to_string(known) + ")");
      }
    }
    return Status::Ok();
  }));
  for (const PostgresMigration& m : migrations) {
    Status st = InTransaction(db, Retry::kYes, [&]() -> Status {
      SLUICE_RETURN_IF_ERROR(lock());
      SLUICE_ASSIGN_OR_RETURN(
          PgResult applied,
          db.Exec("SELECT 1 FROM schema_migrations WHERE version = $1", {m.version}));
      if (applied.rows() > 0) return Status::Ok();
      SLUICE_RETURN_IF_ERROR(db.ExecScript(m.sql));
      return db
          .Exec("INSERT INTO schema_migrations (version, name, applied_ms) VALUES ($1, $2, $3)",
                {m.version, m.name, NowMs()})
          .status();
    });
    if (!st.ok()) {
      return Status(st.code(), "migration " + std::to_string(m.version) + " (" + m.name +
                                   "): " + st.message());
    }
  }
  return EnsureClusterIdNow(db).status();
}

Result<std::string> PostgresMetadataStore::EnsureClusterIdNow(PgConnection& db) {
  return InTransaction(db, Retry::kYes, [&]() -> Result<std::string> {
    // The first agent's id wins; the others' inserts do nothing.
    SLUICE_RETURN_IF_ERROR(db.Exec("INSERT INTO cluster (singleton, cluster_id, created_ms) "
                                   "VALUES (1, $1, $2) ON CONFLICT (singleton) DO NOTHING",
                                   {UuidToBase64Url(RandomUuidV4()), NowMs()})
                               .status());
    SLUICE_ASSIGN_OR_RETURN(PgResult row,
                            db.Exec("SELECT cluster_id FROM cluster WHERE singleton = 1"));
    if (row.rows() != 1) return Status::Internal("cluster row is missing");
    return row.Text(0, 0);
  });
}

Task<Status> PostgresMetadataStore::Migrate() {
  auto work = [](PgConnection& db) { return MigrateNow(db); };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<std::string>> PostgresMetadataStore::ClusterId() {
  auto work = [](PgConnection& db) { return EnsureClusterIdNow(db); };
  co_return co_await pool_->Run(std::move(work));
}

// --- Topics -------------------------------------------------------------------------------------

Result<std::optional<PostgresMetadataStore::TopicRow>> PostgresMetadataStore::FindTopicNow(
    PgConnection& db, const std::string& name, const char* lock_clause) {
  SLUICE_ASSIGN_OR_RETURN(
      PgResult res,
      db.Exec(std::string("SELECT topic_id, num_partitions, created_ms FROM topics WHERE name = "
                          "$1 ") +
                  lock_clause,
              {name}));
  if (res.rows() == 0) return std::optional<TopicRow>();
  TopicRow row;
  SLUICE_ASSIGN_OR_RETURN(Bytes id, res.Bytea(0, 0));
  SLUICE_ASSIGN_OR_RETURN(row.id, UuidFromBlob(id));
  SLUICE_ASSIGN_OR_RETURN(row.num_partitions, Int32At(res, 0, 1));
  SLUICE_ASSIGN_OR_RETURN(row.created_ms, res.Int(0, 2));
  return std::optional<TopicRow>(row);
}

Result<PostgresMetadataStore::TopicRow> PostgresMetadataStore::RequireTopicNow(
    PgConnection& db, const std::string& name) {
  SLUICE_ASSIGN_OR_RETURN(std::optional<TopicRow> row, FindTopicNow(db, name));
  if (!row) return Status::NotFound("unknown topic '" + name + "'");
  return *row;
}

Result<ConfigMap> PostgresMetadataStore::LoadConfigsNow(PgConnection& db, const Uuid& topic_id) {
  SLUICE_ASSIGN_OR_RETURN(
      PgResult res,
      db.Exec("SELECT config_name, config_value FROM topic_configs WHERE topic_id = $1",
              {ByteView(topic_id)}));
  ConfigMap configs;
  for (int r = 0; r < res.rows(); ++r) configs[res.Text(r, 0)] = res.Text(r, 1);
  return configs;
}

Status PostgresMetadataStore::InsertConfigsNow(PgConnection& db, const Uuid& topic_id,
                                               const ConfigMap& configs) {
  for (const auto& [name, value] : configs) {
    if (name.empty()) return Status::InvalidArgument("empty topic config name");
    SLUICE_RETURN_IF_ERROR(db.Exec("INSERT INTO topic_configs (topic_id, config_name, "
                                   "config_value) VALUES ($1, $2, $3)",
                                   {ByteView(topic_id), name, value})
                               .status());
  }
  return Status::Ok();
}

Status PostgresMetadataStore::InsertPartitionsNow(PgConnection& db, const Uuid& topic_id,
                                                  int32_t from, int32_t to) {
  // One statement for any number of partitions.
  return db
      .Exec(
          "INSERT INTO partitions (topic_id, partition_id, log_start_offset, high_watermark) "
          "SELECT $1, p, 0, 0 FROM generate_series($2::integer, $3::integer - 1) AS p",
          {ByteView(topic_id), from, to})
      .status();
}

Result<TopicInfo> PostgresMetadataStore::CreateTopicNow(PgConnection& db, const std::string& name,
                                                        int32_t num_partitions,
                                                        const ConfigMap& configs) {
  SLUICE_RETURN_IF_ERROR(ValidateTopicName(name));
  SLUICE_RETURN_IF_ERROR(ValidatePartitionCount(num_partitions));
  // Not retried after a lost COMMIT: the retry would answer AlreadyExists for our own topic.
  return InTransaction(db, Retry::kNo, [&]() -> Result<TopicInfo> {
    TopicInfo info{name, RandomUuidV4(), num_partitions, configs, NowMs()};
    SLUICE_ASSIGN_OR_RETURN(
        PgResult inserted,
        db.Exec("INSERT INTO topics (topic_id, name, num_partitions, created_ms) VALUES ($1, $2, "
                "$3, $4) ON CONFLICT (name) DO NOTHING",
                {ByteView(info.id), name, num_partitions, info.created_ms}));
    if (inserted.affected() == 0) {
      return Status::AlreadyExists("topic '" + name + "' already exists");
    }
    SLUICE_RETURN_IF_ERROR(InsertPartitionsNow(db, info.id, 0, num_partitions));
    SLUICE_RETURN_IF_ERROR(InsertConfigsNow(db, info.id, configs));
    return info;
  });
}

Result<TopicInfo> PostgresMetadataStore::GetTopicNow(PgConnection& db, const std::string& name) {
  return InTransaction(db, Retry::kYes, [&]() -> Result<TopicInfo> {
    SLUICE_ASSIGN_OR_RETURN(TopicRow row, RequireTopicNow(db, name));
    SLUICE_ASSIGN_OR_RETURN(ConfigMap configs, LoadConfigsNow(db, row.id));
    return TopicInfo{name, row.id, row.num_partitions, std::move(configs), row.created_ms};
  });
}

Result<std::vector<TopicInfo>> PostgresMetadataStore::ListTopicsNow(PgConnection& db) {
  return InTransaction(db, Retry::kYes, [&]() -> Result<std::vector<TopicInfo>> {
    SLUICE_ASSIGN_OR_RETURN(PgResult res, db.Exec("SELECT topic_id, name, num_partitions, "
                                                  "created_ms FROM topics ORDER BY name"));
    std::vector<TopicInfo> topics;
    for (int r = 0; r < res.rows(); ++r) {
      TopicInfo info;
      SLUICE_ASSIGN_OR_RETURN(Bytes id, res.Bytea(r, 0));
      SLUICE_ASSIGN_OR_RETURN(info.id, UuidFromBlob(id));
      info.name = res.Text(r, 1);
      SLUICE_ASSIGN_OR_RETURN(info.num_partitions, Int32At(res, r, 2));
      SLUICE_ASSIGN_OR_RETURN(info.created_ms, res.Int(r, 3));
      topics.push_back(std::move(info));
    }
    for (auto& topic : topics) {
      SLUICE_ASSIGN_OR_RETURN(topic.configs, LoadConfigsNow(db, topic.id));
    }
    return topics;
  });
}

Status PostgresMetadataStore::DeleteTopicNow(PgConnection& db, const std::string& name) {
  return InTransaction(db, Retry::kNo, [&]() -> Status {
    SLUICE_ASSIGN_OR_RETURN(std::optional<TopicRow> topic, FindTopicNow(db, name, "FOR UPDATE"));
    if (!topic) return Status::NotFound("unknown topic '" + name + "'");
    const ByteView id(topic->id);
    SLUICE_ASSIGN_OR_RETURN(
        PgResult objects,
        db.Exec("SELECT DISTINCT object_id FROM chunks WHERE topic_id = $1", {id}));
    // Partitions, chunks, configs and producer state go with the topic (ON DELETE CASCADE).
    SLUICE_RETURN_IF_ERROR(db.Exec("DELETE FROM topics WHERE topic_id = $1", {id}).status());
    // As in Kafka, deleting a topic drops the groups' committed offsets for it.
    SLUICE_RETURN_IF_ERROR(
        db.Exec("DELETE FROM committed_offsets WHERE topic_name = $1", {name}).status());
    const int64_t now = NowMs();
    for (int r = 0; r < objects.rows(); ++r) {
      SLUICE_RETURN_IF_ERROR(
          db.Exec("UPDATE objects SET dead_since_ms = $1 WHERE object_id = $2 AND dead_since_ms "
                  "IS NULL AND NOT EXISTS (SELECT 1 FROM chunks WHERE chunks.object_id = $2)",
                  {now, objects.Text(r, 0)})
              .status());
    }
    return Status::Ok();
  });
}

Status PostgresMetadataStore::CreatePartitionsNow(PgConnection& db, const std::string& name,
                                                  int32_t new_total) {
  SLUICE_RETURN_IF_ERROR(ValidatePartitionCount(new_total));
  return InTransaction(db, Retry::kNo, [&]() -> Status {
    SLUICE_ASSIGN_OR_RETURN(std::optional<TopicRow> topic, FindTopicNow(db, name, "FOR UPDATE"));
    if (!topic) return Status::NotFound("unknown topic '" + name + "'");
    if (new_total <= topic->num_partitions) {
      return Status::InvalidArgument(
          "topic '" + name + "' already has " + std::to_string(topic->num_partitions) +
          " partitions; the new count must be larger, got " + std::to_string(new_total));
    }
    SLUICE_RETURN_IF_ERROR(InsertPartitionsNow(db, topic->id, topic->num_partitions, new_total));
    return db
        .Exec("UPDATE topics SET num_partitions = $1 WHERE topic_id = $2",
              {new_total, ByteView(topic->id)})
        .status();
  });
}

Status PostgresMetadataStore::SetTopicConfigsNow(PgConnection& db, const std::string& name,
                                                 const ConfigMap& configs) {
  return InTransaction(db, Retry::kYes, [&]() -> Status {
    SLUICE_ASSIGN_OR_RETURN(std::optional<TopicRow> topic, FindTopicNow(db, name, "FOR UPDATE"));
    if (!topic) return Status::NotFound("unknown topic '" + name + "'");
    SLUICE_RETURN_IF_ERROR(
        db.Exec("DELETE FROM topic_configs WHERE topic_id = $1", {ByteView(topic->id)}).status());
    return InsertConfigsNow(db, topic->id, configs);
  });
}

Result<std::vector<PartitionInfo>> PostgresMetadataStore::GetPartitionsNow(
    PgConnection& db, const std::string& topic) {
  return InTransaction(db, Retry::kYes, [&]() -> Result<std::vector<PartitionInfo>> {
    SLUICE_ASSIGN_OR_RETURN(TopicRow row, RequireTopicNow(db, topic));
    // One statement, one snapshot: the LSO is the lowest first offset of the partition's open
    // transactions, else the high watermark, never below the log start.
    SLUICE_ASSIGN_OR_RETURN(
        PgResult res,
        db.Exec("SELECT p.partition_id, p.log_start_offset, p.high_watermark, "
                "GREATEST(p.log_start_offset, COALESCE(o.first_open, p.high_watermark)), "
                "p.last_abort_offset FROM partitions p LEFT JOIN (SELECT partition_id, "
                "MIN(first_offset) AS first_open FROM txn_partitions WHERE topic_id = $1 AND "
                "first_offset IS NOT NULL GROUP BY partition_id) o ON o.partition_id = "
                "p.partition_id WHERE p.topic_id = $1 ORDER BY p.partition_id",
                {ByteView(row.id)}));
    std::vector<PartitionInfo> out;
    for (int r = 0; r < res.rows(); ++r) {
      PartitionInfo info;
      SLUICE_ASSIGN_OR_RETURN(info.partition, Int32At(res, r, 0));
      SLUICE_ASSIGN_OR_RETURN(info.log_start_offset, res.Int(r, 1));
      SLUICE_ASSIGN_OR_RETURN(info.high_watermark, res.Int(r, 2));
      SLUICE_ASSIGN_OR_RETURN(info.last_stable_offset, res.Int(r, 3));
      SLUICE_ASSIGN_OR_RETURN(info.last_abort_offset, res.Int(r, 4));
      out.push_back(info);
    }
    return out;
  });
}

Task<Result<TopicInfo>> PostgresMetadataStore::CreateTopic(std::string name, int32_t num_partitions,
                                                           ConfigMap configs) {
  auto work = [name = std::move(name), num_partitions, configs = std::move(configs)](
                  PgConnection& db) { return CreateTopicNow(db, name, num_partitions, configs); };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<TopicInfo>> PostgresMetadataStore::GetTopic(std::string name) {
  auto work = [name = std::move(name)](PgConnection& db) { return GetTopicNow(db, name); };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<std::vector<TopicInfo>>> PostgresMetadataStore::ListTopics() {
  auto work = [](PgConnection& db) { return ListTopicsNow(db); };
  co_return co_await pool_->Run(std::move(work));
}

Task<Status> PostgresMetadataStore::DeleteTopic(std::string name) {
  auto work = [name = std::move(name)](PgConnection& db) { return DeleteTopicNow(db, name); };
  co_return co_await pool_->Run(std::move(work));
}

Task<Status> PostgresMetadataStore::CreatePartitions(std::string name, int32_t new_total) {
  auto work = [name = std::move(name), new_total](PgConnection& db) {
    return CreatePartitionsNow(db, name, new_total);
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Status> PostgresMetadataStore::SetTopicConfigs(std::string name, ConfigMap configs) {
  auto work = [name = std::move(name), configs = std::move(configs)](PgConnection& db) {
    return SetTopicConfigsNow(db, name, configs);
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<std::vector<PartitionInfo>>> PostgresMetadataStore::GetPartitions(std::string topic) {
  auto work = [topic = std::move(topic)](PgConnection& db) { return GetPartitionsNow(db, topic); };
  co_return co_await pool_->Run(std::move(work));
}

// --- Producer ids -------------------------------------------------------------------------------

Result<ProducerIdAllocation> PostgresMetadataStore::AllocateProducerIdNow(
    PgConnection& db, const std::optional<std::string>& transactional_id) {
  if (transactional_id && transactional_id->empty()) {
    return Status::InvalidArgument("transactional id is empty");
  }
  // A lost COMMIT is not retried: the retry would bump the epoch a second time.
  return InTransaction(db, Retry::kNo, [&]() -> Result<ProducerIdAllocation> {
    if (transactional_id) {
      // Serializes allocations for one transactional id, even before its row exists.
      SLUICE_RETURN_IF_ERROR(
          db.Exec("SELECT pg_advisory_xact_lock($1, hashtext($2))",
                  {static_cast<int32_t>(kMigrationAdvisoryLock & 0x7fffffff), *transactional_id})
              .status());
      SLUICE_ASSIGN_OR_RETURN(PgResult found,
                              db.Exec("SELECT producer_id, producer_epoch FROM producers WHERE "
                                      "transactional_id = $1 FOR UPDATE",
                                      {*transactional_id}));
      if (found.rows() > 0) {
        SLUICE_ASSIGN_OR_RETURN(const int64_t id, found.Int(0, 0));
        SLUICE_ASSIGN_OR_RETURN(const int64_t epoch, found.Int(0, 1));
        // Kafka's rule: an epoch about to reach Short.MAX_VALUE means a fresh id at epoch 0.
        if (epoch + 1 < std::numeric_limits<int16_t>::max()) {
          SLUICE_RETURN_IF_ERROR(
              db.Exec("UPDATE producers SET producer_epoch = $1 WHERE producer_id = $2",
                      {epoch + 1, id})
                  .status());
          return ProducerIdAllocation{id, static_cast<int16_t>(epoch + 1)};
        }
        SLUICE_RETURN_IF_ERROR(
            db.Exec("UPDATE producers SET transactional_id = NULL WHERE producer_id = $1", {id})
                .status());
      }
    }
    // The row lock taken by UPDATE makes concurrent allocations wait for each other.
    SLUICE_ASSIGN_OR_RETURN(
        PgResult next,
        db.Exec("UPDATE producer_id_block SET next_producer_id = next_producer_id + 1 WHERE "
                "singleton = 1 RETURNING next_producer_id - 1"));
    if (next.rows() != 1) return Status::Internal("producer_id_block row is missing");
    SLUICE_ASSIGN_OR_RETURN(const int64_t id, next.Int(0, 0));
    SLUICE_RETURN_IF_ERROR(
        db.Exec("INSERT INTO producers (producer_id, producer_epoch, "
                "transactional_id, created_ms) VALUES ($1, 0, $2, $3)",
                {id, transactional_id ? PgParam(*transactional_id) : PgParam::Null(), NowMs()})
            .status());
    return ProducerIdAllocation{id, 0};
  });
}

Task<Result<ProducerIdAllocation>> PostgresMetadataStore::AllocateProducerId(
    std::optional<std::string> transactional_id) {
  auto work = [transactional_id = std::move(transactional_id)](PgConnection& db) {
    return AllocateProducerIdNow(db, transactional_id);
  };
  co_return co_await pool_->Run(std::move(work));
}

// --- Committed offsets --------------------------------------------------------------------------

Status PostgresMetadataStore::CommitOffsetsNow(
    PgConnection& db, const std::string& group,
    const std::vector<std::tuple<std::string, int32_t, CommittedOffset>>& offsets) {
  if (group.empty()) return Status::InvalidArgument("group id is empty");
  return InTransaction(db, Retry::kYes, [&]() -> Status {
    for (const auto& [topic, partition, committed] : offsets) {
      SLUICE_RETURN_IF_ERROR(
          db.Exec("INSERT INTO committed_offsets (group_id, topic_name, partition_id, "
                  "committed_offset, leader_epoch, metadata, commit_time_ms) VALUES "
                  "($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (group_id, topic_name, partition_id) "
                  "DO UPDATE SET committed_offset = excluded.committed_offset, leader_epoch = "
                  "excluded.leader_epoch, metadata = excluded.metadata, commit_time_ms = "
                  "excluded.commit_time_ms",
                  {group, topic, partition, committed.offset, committed.leader_epoch,
                   committed.metadata, committed.commit_time_ms})
              .status());
    }
    return Status::Ok();
  });
}

Result<std::map<std::pair<std::string, int32_t>, CommittedOffset>>
PostgresMetadataStore::FetchOffsetsNow(PgConnection& db, const std::string& group) {
  using Map = std::map<std::pair<std::string, int32_t>, CommittedOffset>;
  return InTransaction(db, Retry::kYes, [&]() -> Result<Map> {
    SLUICE_ASSIGN_OR_RETURN(
        PgResult res,
        db.Exec("SELECT topic_name, partition_id, committed_offset, leader_epoch, metadata, "
                "commit_time_ms FROM committed_offsets WHERE group_id = $1",
                {group}));
    Map out;
    for (int r = 0; r < res.rows(); ++r) {
      CommittedOffset committed;
      SLUICE_ASSIGN_OR_RETURN(const int32_t partition, Int32At(res, r, 1));
      SLUICE_ASSIGN_OR_RETURN(committed.offset, res.Int(r, 2));
      SLUICE_ASSIGN_OR_RETURN(committed.leader_epoch, Int32At(res, r, 3));
      committed.metadata = res.Text(r, 4);
      SLUICE_ASSIGN_OR_RETURN(committed.commit_time_ms, res.Int(r, 5));
      out[{res.Text(r, 0), partition}] = std::move(committed);
    }
    return out;
  });
}

Status PostgresMetadataStore::DeleteOffsetsNow(
    PgConnection& db, const std::string& group,
    const std::vector<std::pair<std::string, int32_t>>& partitions) {
  return InTransaction(db, Retry::kYes, [&]() -> Status {
    for (const auto& [topic, partition] : partitions) {
      SLUICE_RETURN_IF_ERROR(db.Exec("DELETE FROM committed_offsets WHERE group_id = $1 AND "
                                     "topic_name = $2 AND partition_id = $3",
                                     {group, topic, partition})
                                 .status());
    }
    return Status::Ok();
  });
}

Result<std::vector<std::string>> PostgresMetadataStore::ListGroupsWithOffsetsNow(PgConnection& db) {
  return InTransaction(db, Retry::kYes, [&]() -> Result<std::vector<std::string>> {
    SLUICE_ASSIGN_OR_RETURN(
        PgResult res, db.Exec("SELECT DISTINCT group_id FROM committed_offsets ORDER BY group_id"));
    std::vector<std::string> out;
    for (int r = 0; r < res.rows(); ++r) out.push_back(res.Text(r, 0));
    return out;
  });
}

Task<Status> PostgresMetadataStore::CommitOffsets(
    std::string group, std::vector<std::tuple<std::string, int32_t, CommittedOffset>> offsets) {
  auto work = [group = std::move(group), offsets = std::move(offsets)](PgConnection& db) {
    return CommitOffsetsNow(db, group, offsets);
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<std::map<std::pair<std::string, int32_t>, CommittedOffset>>>
PostgresMetadataStore::FetchOffsets(std::string group) {
  auto work = [group = std::move(group)](PgConnection& db) { return FetchOffsetsNow(db, group); };
  co_return co_await pool_->Run(std::move(work));
}

Task<Status> PostgresMetadataStore::DeleteOffsets(
    std::string group, std::vector<std::pair<std::string, int32_t>> partitions) {
  auto work = [group = std::move(group), partitions = std::move(partitions)](PgConnection& db) {
    return DeleteOffsetsNow(db, group, partitions);
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<std::vector<std::string>>> PostgresMetadataStore::ListGroupsWithOffsets() {
  auto work = [](PgConnection& db) { return ListGroupsWithOffsetsNow(db); };
  co_return co_await pool_->Run(std::move(work));
}

}  // namespace sluice::metadata
