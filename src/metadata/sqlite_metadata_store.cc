// SqliteMetadataStore: opening, migrations, topics, producer ids, committed offsets, cluster id.
// The produce/fetch half (commit, chunk index) is in sqlite_commit.cc.
#include "metadata/sqlite_metadata_store.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>

#include "metadata/ids.h"
#include "metadata/schema.h"
#include "metadata/sqlite_store_util.h"

namespace sluice::metadata {

namespace {

constexpr int32_t kMaxPartitions = 100000;

Status ValidateTopicName(const std::string& name) {
  if (name.empty()) return Status::InvalidArgument("topic name is empty");
  if (name.size() > 249) return Status::InvalidArgument("topic name longer than 249 characters");
  if (name == "." || name == "..")
    return Status::InvalidArgument("topic name cannot be '.' or '..'");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) {
      return Status::InvalidArgument("topic name '" + name +
                                     "' may only contain letters, digits, '.', '_' and '-'");
    }
  }
  return Status::Ok();
}

Status ValidatePartitionCount(int32_t n) {
  if (n < 1 || n > kMaxPartitions) {
    return Status::InvalidArgument("partition count must be between 1 and " +
                                   std::to_string(kMaxPartitions) + ", got " + std::to_string(n));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<MetadataStore>> SqliteMetadataStore::Open(const std::string& path) {
  if (path.empty()) return Status::InvalidArgument("sqlite database path is empty");
  if (path != ":memory:") {
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(parent, ec);
      if (ec) return Status::IOError("create directory " + parent.string() + ": " + ec.message());
    }
  }
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(path));
  // WAL + synchronous=FULL: a returned COMMIT survives power loss. busy_timeout covers other
  // processes (tools) briefly holding the write lock.
  SLUICE_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=WAL"));
  SLUICE_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous=FULL"));
  SLUICE_RETURN_IF_ERROR(db->Exec("PRAGMA busy_timeout=10000"));
  SLUICE_RETURN_IF_ERROR(db->Exec("PRAGMA foreign_keys=ON"));
  return std::unique_ptr<MetadataStore>(new SqliteMetadataStore(std::move(db)));
}

SqliteMetadataStore::~SqliteMetadataStore() { thread_.join(); }

// --- Migrations and cluster id ------------------------------------------------------------------

Status SqliteMetadataStore::MigrateNow() {
  SLUICE_RETURN_IF_ERROR(
      db_->Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                "name TEXT NOT NULL, applied_ms BIGINT NOT NULL)"));
  auto migrations = SchemaMigrations();
  const int known = migrations.empty() ? 0 : migrations.back().version;
  {
    SLUICE_ASSIGN_OR_RETURN(Statement newest,
                            db_->Prepare("SELECT MAX(version) FROM schema_migrations"));
    SLUICE_ASSIGN_OR_RETURN(bool row, newest.Step());
    if (row && !newest.IsNull(0) && newest.Int(0) > known) {
      return Status::Internal("metadata schema version " + std::to_string(newest.Int(0)) +
                              " is newer than this binary knows (" + std::to_string(known) + ")");
    }
  }
  for (const Migration& m : migrations) {
    Status st = db_->InTransaction([&]() -> Status {
      // Checked inside the write transaction so two processes never apply the same version.
      SLUICE_ASSIGN_OR_RETURN(Statement applied,
                              db_->Prepare("SELECT 1 FROM schema_migrations WHERE version = ?1"));
      applied.Bind(1, m.version);
      SLUICE_ASSIGN_OR_RETURN(bool done, applied.Step());
      if (done) return Status::Ok();
      SLUICE_RETURN_IF_ERROR(db_->Exec(m.sql));
      SLUICE_ASSIGN_OR_RETURN(
          Statement record,
          db_->Prepare(
              "INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?1, ?2, ?3)"));
      return record.Bind(1, m.version).Bind(2, std::string(m.name)).Bind(3, NowMs()).Run();
    });
    if (!st.ok()) {
      return Status(st.code(), "migration " + std::to_string(m.version) + " (" + m.name +
                                   "): " + st.message());
    }
  }
  // The cluster id is born with the schema and never changes afterwards.
  return EnsureClusterIdNow().status();
}

Result<std::string> SqliteMetadataStore::EnsureClusterIdNow() {
  return db_->InTransaction([&]() -> Result<std::string> {
    SLUICE_ASSIGN_OR_RETURN(Statement select,
                            db_->Prepare("SELECT cluster_id FROM cluster WHERE singleton = 1"));
    SLUICE_ASSIGN_OR_RETURN(bool found, select.Step());
    if (found) return select.Text(0);
    std::string id = UuidToBase64Url(RandomUuidV4());
    SLUICE_ASSIGN_OR_RETURN(
        Statement insert,
        db_->Prepare("INSERT INTO cluster (singleton, cluster_id, created_ms) VALUES (1, ?1, ?2)"));
    SLUICE_RETURN_IF_ERROR(insert.Bind(1, id).Bind(2, NowMs()).Run());
    return id;
  });
}

Task<Status> SqliteMetadataStore::Migrate() {
  auto work = [this] { return MigrateNow(); };
  co_return co_await OnDbThread(std::move(work));
}

Task<Result<std::string>> SqliteMetadataStore::ClusterId() {
  auto work = [this] { return EnsureClusterIdNow(); };
  co_return co_await OnDbThread(std::move(work));
}

// --- Topics -------------------------------------------------------------------------------------

Result<std::optional<SqliteMetadataStore::TopicRow>> SqliteMetadataStore::FindTopicNow(
    const std::string& name) {
  SLUICE_ASSIGN_OR_RETURN(
      Statement st,
      db_->Prepare("SELECT topic_id, num_partitions, created_ms FROM topics WHERE name = ?1"));
  st.Bind(1, name);
  SLUICE_ASSIGN_OR_RETURN(bool found, st.Step());
  if (!found) return std::optional<TopicRow>();
  TopicRow row;
  SLUICE_ASSIGN_OR_RETURN(row.id, UuidFromBlob(st.Blob(0)));
  row.num_partitions = static_cast<int32_t>(st.Int(1));
  row.created_ms = st.Int(2);
  return std::optional<TopicRow>(row);
}

Result<SqliteMetadataStore::TopicRow> SqliteMetadataStore::RequireTopicNow(
    const std::string& name) {
  SLUICE_ASSIGN_OR_RETURN(std::optional<TopicRow> row, FindTopicNow(name));
  if (!row) return Status::NotFound("unknown topic '" + name + "'");
  return *row;
}

Result<ConfigMap> SqliteMetadataStore::LoadConfigsNow(const Uuid& topic_id) {
  SLUICE_ASSIGN_OR_RETURN(
      Statement st,
      db_->Prepare("SELECT config_name, config_value FROM topic_configs WHERE topic_id = ?1"));
  st.Bind(1, ByteView(topic_id));
  ConfigMap configs;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    configs[st.Text(0)] = st.Text(1);
  }
  return configs;
}

Status SqliteMetadataStore::InsertConfigsNow(const Uuid& topic_id, const ConfigMap& configs) {
  for (const auto& [name, value] : configs) {
    if (name.empty()) return Status::InvalidArgument("empty topic config name");
    SLUICE_ASSIGN_OR_RETURN(Statement st,
                            db_->Prepare("INSERT INTO topic_configs (topic_id, config_name, "
                                         "config_value) VALUES (?1, ?2, ?3)"));
    SLUICE_RETURN_IF_ERROR(st.Bind(1, ByteView(topic_id)).Bind(2, name).Bind(3, value).Run());
  }
  return Status::Ok();
}

Status SqliteMetadataStore::InsertPartitionsNow(const Uuid& topic_id, int32_t from, int32_t to) {
  for (int32_t p = from; p < to; ++p) {
    SLUICE_ASSIGN_OR_RETURN(
        Statement st, db_->Prepare("INSERT INTO partitions (topic_id, partition_id, "
                                   "log_start_offset, high_watermark) VALUES (?1, ?2, 0, 0)"));
    SLUICE_RETURN_IF_ERROR(st.Bind(1, ByteView(topic_id)).Bind(2, p).Run());
  }
  return Status::Ok();
}

Result<TopicInfo> SqliteMetadataStore::CreateTopicNow(const std::string& name,
                                                      int32_t num_partitions,
                                                      const ConfigMap& configs) {
  SLUICE_RETURN_IF_ERROR(ValidateTopicName(name));
  SLUICE_RETURN_IF_ERROR(ValidatePartitionCount(num_partitions));
  return db_->InTransaction([&]() -> Result<TopicInfo> {
    SLUICE_ASSIGN_OR_RETURN(std::optional<TopicRow> existing, FindTopicNow(name));
    if (existing) return Status::AlreadyExists("topic '" + name + "' already exists");
    TopicInfo info{name, RandomUuidV4(), num_partitions, configs, NowMs()};
    SLUICE_ASSIGN_OR_RETURN(Statement st,
                            db_->Prepare("INSERT INTO topics (topic_id, name, num_partitions, "
                                         "created_ms) VALUES (?1, ?2, ?3, ?4)"));
    SLUICE_RETURN_IF_ERROR(st.Bind(1, ByteView(info.id))
                               .Bind(2, name)
                               .Bind(3, num_partitions)
                               .Bind(4, info.created_ms)
                               .Run());
    SLUICE_RETURN_IF_ERROR(InsertPartitionsNow(info.id, 0, num_partitions));
    SLUICE_RETURN_IF_ERROR(InsertConfigsNow(info.id, configs));
    return info;
  });
}

Result<TopicInfo> SqliteMetadataStore::GetTopicNow(const std::string& name) {
  SLUICE_ASSIGN_OR_RETURN(TopicRow row, RequireTopicNow(name));
  SLUICE_ASSIGN_OR_RETURN(ConfigMap configs, LoadConfigsNow(row.id));
  return TopicInfo{name, row.id, row.num_partitions, std::move(configs), row.created_ms};
}

Result<std::vector<TopicInfo>> SqliteMetadataStore::ListTopicsNow() {
  std::vector<TopicInfo> topics;
  {
    SLUICE_ASSIGN_OR_RETURN(
        Statement st, db_->Prepare("SELECT topic_id, name, num_partitions, created_ms FROM topics "
                                   "ORDER BY name"));
    while (true) {
      SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      TopicInfo info;
      SLUICE_ASSIGN_OR_RETURN(info.id, UuidFromBlob(st.Blob(0)));
      info.name = st.Text(1);
      info.num_partitions = static_cast<int32_t>(st.Int(2));
      info.created_ms = st.Int(3);
      topics.push_back(std::move(info));
    }
  }
  for (auto& topic : topics) {
    SLUICE_ASSIGN_OR_RETURN(topic.configs, LoadConfigsNow(topic.id));
  }
  return topics;
}

Status SqliteMetadataStore::DeleteTopicNow(const std::string& name) {
  return db_->InTransaction([&]() -> Status {
    SLUICE_ASSIGN_OR_RETURN(TopicRow topic, RequireTopicNow(name));
    std::vector<std::string> objects;
    {
      SLUICE_ASSIGN_OR_RETURN(
          Statement st, db_->Prepare("SELECT DISTINCT object_id FROM chunks WHERE topic_id = ?1"));
      st.Bind(1, ByteView(topic.id));
      while (true) {
        SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        objects.push_back(st.Text(0));
      }
    }
    // Partitions, chunks, configs and producer state go with the topic (ON DELETE CASCADE).
    SLUICE_ASSIGN_OR_RETURN(Statement del, db_->Prepare("DELETE FROM topics WHERE topic_id = ?1"));
    SLUICE_RETURN_IF_ERROR(del.Bind(1, ByteView(topic.id)).Run());
    // As in Kafka, deleting a topic drops the groups' committed offsets for it.
    SLUICE_ASSIGN_OR_RETURN(Statement offsets,
                            db_->Prepare("DELETE FROM committed_offsets WHERE topic_name = ?1"));
    SLUICE_RETURN_IF_ERROR(offsets.Bind(1, name).Run());
    const int64_t now = NowMs();
    for (const auto& object_id : objects) {
      SLUICE_ASSIGN_OR_RETURN(
          Statement dead,
          db_->Prepare("UPDATE objects SET dead_since_ms = ?1 WHERE object_id = ?2 AND "
                       "dead_since_ms IS NULL AND NOT EXISTS (SELECT 1 FROM chunks WHERE "
                       "chunks.object_id = ?2)"));
      SLUICE_RETURN_IF_ERROR(dead.Bind(1, now).Bind(2, object_id).Run());
    }
    return Status::Ok();
  });
}

Status SqliteMetadataStore::CreatePartitionsNow(const std::string& name, int32_t new_total) {
  SLUICE_RETURN_IF_ERROR(ValidatePartitionCount(new_total));
  return db_->InTransaction([&]() -> Status {
    SLUICE_ASSIGN_OR_RETURN(TopicRow topic, RequireTopicNow(name));
    if (new_total <= topic.num_partitions) {
      return Status::InvalidArgument(
          "topic '" + name + "' already has " + std::to_string(topic.num_partitions) +
          " partitions; the new count must be larger, got " + std::to_string(new_total));
    }
    SLUICE_RETURN_IF_ERROR(InsertPartitionsNow(topic.id, topic.num_partitions, new_total));
    SLUICE_ASSIGN_OR_RETURN(
        Statement st, db_->Prepare("UPDATE topics SET num_partitions = ?1 WHERE topic_id = ?2"));
    return st.Bind(1, new_total).Bind(2, ByteView(topic.id)).Run();
  });
}

Status SqliteMetadataStore::SetTopicConfigsNow(const std::string& name, const ConfigMap& configs) {
  return db_->InTransaction([&]() -> Status {
    SLUICE_ASSIGN_OR_RETURN(TopicRow topic, RequireTopicNow(name));
    SLUICE_ASSIGN_OR_RETURN(Statement del,
                            db_->Prepare("DELETE FROM topic_configs WHERE topic_id = ?1"));
    SLUICE_RETURN_IF_ERROR(del.Bind(1, ByteView(topic.id)).Run());
    return InsertConfigsNow(topic.id, configs);
  });
}

Result<std::vector<PartitionInfo>> SqliteMetadataStore::GetPartitionsNow(const std::string& topic) {
  SLUICE_ASSIGN_OR_RETURN(TopicRow row, RequireTopicNow(topic));
  SLUICE_ASSIGN_OR_RETURN(
      Statement st,
      db_->Prepare("SELECT p.partition_id, p.log_start_offset, p.high_watermark, "
                   "p.last_abort_offset, (SELECT MIN(tp.first_offset) FROM "
                   "txn_partitions tp WHERE tp.topic_id = p.topic_id AND "
                   "tp.partition_id = p.partition_id AND tp.first_offset IS NOT NULL) "
                   "FROM partitions p WHERE p.topic_id = ?1 ORDER BY p.partition_id"));
  st.Bind(1, ByteView(row.id));
  std::vector<PartitionInfo> out;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(bool has, st.Step());
    if (!has) break;
    PartitionInfo info{static_cast<int32_t>(st.Int(0)), st.Int(1), st.Int(2)};
    info.last_abort_offset = st.Int(3);
    // The LSO: the first offset of the oldest open transaction, else the HWM; >= log start.
    info.last_stable_offset =
        st.IsNull(4) ? info.high_watermark : std::min(info.high_watermark, st.Int(4));
    info.last_stable_offset = std::max(info.last_stable_offset, info.log_start_offset);
    out.push_back(info);
  }
  return out;
}

Task<Result<TopicInfo>> SqliteMetadataStore::CreateTopic(std::string name, int32_t num_partitions,
                                                         ConfigMap configs) {
  auto work = [this, name = std::move(name), num_partitions, configs = std::move(configs)] {
    return CreateTopicNow(name, num_partitions, configs);
  };
  co_return co_await OnDbThread(std::move(work));
}

Task<Result<TopicInfo>> SqliteMetadataStore::GetTopic(std::string name) {
  auto work = [this, name = std::move(name)] { return GetTopicNow(name); };
  co_return co_await OnDbThread(std::move(work));
}

Task<Result<std::vector<TopicInfo>>> SqliteMetadataStore::ListTopics() {
  auto work = [this] { return ListTopicsNow(); };
  co_return co_await OnDbThread(std::move(work));
}

Task<Status> SqliteMetadataStore::DeleteTopic(std::string name) {
  auto work = [this, name = std::move(name)] { return DeleteTopicNow(name); };
  co_return co_await OnDbThread(std::move(work));
}

Task<Status> SqliteMetadataStore::CreatePartitions(std::string name, int32_t new_total) {
  auto work = [this, name = std::move(name), new_total] {
    return CreatePartitionsNow(name, new_total);
  };
  co_return co_await OnDbThread(std::move(work));
}

Task<Status> SqliteMetadataStore::SetTopicConfigs(std::string name, ConfigMap configs) {
  auto work = [this, name = std::move(name), configs = std::move(configs)] {
    return SetTopicConfigsNow(name, configs);
  };
  co_return co_await OnDbThread(std::move(work));
}

Task<Result<std::vector<PartitionInfo>>> SqliteMetadataStore::GetPartitions(std::string topic) {
  auto work = [this, topic = std::move(topic)] { return GetPartitionsNow(topic); };
  co_return co_await OnDbThread(std::move(work));
}

// --- Producer ids -------------------------------------------------------------------------------

Result<ProducerIdAllocation> SqliteMetadataStore::AllocateProducerIdNow(
    const std::optional<std::string>& transactional_id) {
  if (transactional_id && transactional_id->empty()) {
    return Status::InvalidArgument("transactional id is empty");
  }
  return db_->InTransaction([&]() -> Result<ProducerIdAllocation> {
    if (transactional_id) {
      SLUICE_ASSIGN_OR_RETURN(Statement find,
                              db_->Prepare("SELECT producer_id, producer_epoch FROM producers "
                                           "WHERE transactional_id = ?1"));
      find.Bind(1, *transactional_id);
      SLUICE_ASSIGN_OR_RETURN(bool found, find.Step());
      if (found) {
        const int64_t id = find.Int(0);
        const int64_t epoch = find.Int(1);
        // Kafka's rule: an epoch about to reach Short.MAX_VALUE means a fresh id at epoch 0.
        if (epoch + 1 < std::numeric_limits<int16_t>::max()) {
          SLUICE_ASSIGN_OR_RETURN(
              Statement bump,
              db_->Prepare("UPDATE producers SET producer_epoch = ?1 WHERE producer_id = ?2"));
          SLUICE_RETURN_IF_ERROR(bump.Bind(1, epoch + 1).Bind(2, id).Run());
          return ProducerIdAllocation{id, static_cast<int16_t>(epoch + 1)};
        }
        SLUICE_ASSIGN_OR_RETURN(
            Statement forget,
            db_->Prepare("UPDATE producers SET transactional_id = NULL WHERE producer_id = ?1"));
        SLUICE_RETURN_IF_ERROR(forget.Bind(1, id).Run());
      }
    }
    SLUICE_ASSIGN_OR_RETURN(
        Statement next,
        db_->Prepare("SELECT next_producer_id FROM producer_id_block WHERE singleton = 1"));
    SLUICE_ASSIGN_OR_RETURN(bool has, next.Step());
    if (!has) return Status::Internal("producer_id_block row is missing");
    const int64_t id = next.Int(0);
    SLUICE_ASSIGN_OR_RETURN(Statement advance,
                            db_->Prepare("UPDATE producer_id_block SET next_producer_id = ?1 "
                                         "WHERE singleton = 1"));
    SLUICE_RETURN_IF_ERROR(advance.Bind(1, id + 1).Run());
    SLUICE_ASSIGN_OR_RETURN(Statement insert,
                            db_->Prepare("INSERT INTO producers (producer_id, producer_epoch, "
                                         "transactional_id, created_ms) VALUES (?1, 0, ?2, ?3)"));
    insert.Bind(1, id).Bind(3, NowMs());
    if (transactional_id) {
      insert.Bind(2, *transactional_id);
    } else {
      insert.BindNull(2);
    }
    SLUICE_RETURN_IF_ERROR(insert.Run());
    return ProducerIdAllocation{id, 0};
  });
}

Task<Result<ProducerIdAllocation>> SqliteMetadataStore::AllocateProducerId(
    std::optional<std::string> transactional_id) {
  auto work = [this, transactional_id = std::move(transactional_id)] {
    return AllocateProducerIdNow(transactional_id);
  };
  co_return co_await OnDbThread(std::move(work));
}

// --- Committed offsets --------------------------------------------------------------------------

Status SqliteMetadataStore::CommitOffsetsNow(
    const std::string& group,
    const std::vector<std::tuple<std::string, int32_t, CommittedOffset>>& offsets) {
  if (group.empty()) return Status::InvalidArgument("group id is empty");
  return db_->InTransaction([&]() -> Status {
    for (const auto& [topic, partition, committed] : offsets) {
      SLUICE_ASSIGN_OR_RETURN(
          Statement st,
          db_->Prepare(
              "INSERT INTO committed_offsets (group_id, topic_name, partition_id, "
              "committed_offset, leader_epoch, metadata, commit_time_ms) VALUES "
              "(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (group_id, topic_name, partition_id) DO "
              "UPDATE SET committed_offset = excluded.committed_offset, leader_epoch = "
              "excluded.leader_epoch, metadata = excluded.metadata, commit_time_ms = "
              "excluded.commit_time_ms"));
      SLUICE_RETURN_IF_ERROR(st.Bind(1, group)
                                 .Bind(2, topic)
                                 .Bind(3, partition)
                                 .Bind(4, committed.offset)
                                 .Bind(5, committed.leader_epoch)
                                 .Bind(6, committed.metadata)
                                 .Bind(7, committed.commit_time_ms)
                                 .Run());
    }
    return Status::Ok();
  });
}

Result<std::map<std::pair<std::string, int32_t>, CommittedOffset>>
SqliteMetadataStore::FetchOffsetsNow(const std::string& group) {
  SLUICE_ASSIGN_OR_RETURN(
      Statement st, db_->Prepare("SELECT topic_name, partition_id, committed_offset, leader_epoch, "
                                 "metadata, commit_time_ms FROM committed_offsets WHERE "
                                 "group_id = ?1"));
  st.Bind(1, group);
  std::map<std::pair<std::string, int32_t>, CommittedOffset> out;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out[{st.Text(0), static_cast<int32_t>(st.Int(1))}] =
        CommittedOffset{st.Int(2), static_cast<int32_t>(st.Int(3)), st.Text(4), st.Int(5)};
  }
  return out;
}

Status SqliteMetadataStore::DeleteOffsetsNow(
    const std::string& group, const std::vector<std::pair<std::string, int32_t>>& partitions) {
  return db_->InTransaction([&]() -> Status {
    for (const auto& [topic, partition] : partitions) {
      SLUICE_ASSIGN_OR_RETURN(Statement st,
                              db_->Prepare("DELETE FROM committed_offsets WHERE group_id = ?1 AND "
                                           "topic_name = ?2 AND partition_id = ?3"));
      SLUICE_RETURN_IF_ERROR(st.Bind(1, group).Bind(2, topic).Bind(3, partition).Run());
    }
    return Status::Ok();
  });
}

Result<std::vector<std::string>> SqliteMetadataStore::ListGroupsWithOffsetsNow() {
  SLUICE_ASSIGN_OR_RETURN(
      Statement st,
      db_->Prepare("SELECT DISTINCT group_id FROM committed_offsets ORDER BY group_id"));
  std::vector<std::string> out;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(st.Text(0));
  }
  return out;
}

Task<Status> SqliteMetadataStore::CommitOffsets(
    std::string group, std::vector<std::tuple<std::string, int32_t, CommittedOffset>> offsets) {
  auto work = [this, group = std::move(group), offsets = std::move(offsets)] {
    return CommitOffsetsNow(group, offsets);
  };
  co_return co_await OnDbThread(std::move(work));
}

Task<Result<std::map<std::pair<std::string, int32_t>, CommittedOffset>>>
SqliteMetadataStore::FetchOffsets(std::string group) {
  auto work = [this, group = std::move(group)] { return FetchOffsetsNow(group); };
  co_return co_await OnDbThread(std::move(work));
}

Task<Status> SqliteMetadataStore::DeleteOffsets(
    std::string group, std::vector<std::pair<std::string, int32_t>> partitions) {
  auto work = [this, group = std::move(group), partitions = std::move(partitions)] {
    return DeleteOffsetsNow(group, partitions);
  };
  co_return co_await OnDbThread(std::move(work));
}

Task<Result<std::vector<std::string>>> SqliteMetadataStore::ListGroupsWithOffsets() {
  auto work = [this] { return ListGroupsWithOffsetsNow(); };
  co_return co_await OnDbThread(std::move(work));
}

}  // namespace sluice::metadata
