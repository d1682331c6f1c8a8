#include "metadata/schema.h"

namespace sluice::metadata {

namespace {

// Version 1: everything design.md §3 lists. Offsets, timestamps, ids and sizes are BIGINT (64-bit
// in PostgreSQL; SQLite treats BIGINT as INTEGER). Topic ids are 16-byte UUIDs.
constexpr char kInitialSchema[] = R"sql(
CREATE TABLE cluster (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  cluster_id TEXT NOT NULL,
  created_ms BIGINT NOT NULL
);
CREATE TABLE virtual_clusters (
  virtual_cluster_id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_ms BIGINT NOT NULL
);
CREATE TABLE topics (
  topic_id BLOB PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  num_partitions INTEGER NOT NULL,
  created_ms BIGINT NOT NULL
);
CREATE TABLE topic_configs (
  topic_id BLOB NOT NULL REFERENCES topics (topic_id) ON DELETE CASCADE,
  config_name TEXT NOT NULL,
  config_value TEXT NOT NULL,
  PRIMARY KEY (topic_id, config_name)
);
CREATE TABLE partitions (
  topic_id BLOB NOT NULL REFERENCES topics (topic_id) ON DELETE CASCADE,
  partition_id INTEGER NOT NULL,
  log_start_offset BIGINT NOT NULL,
  high_watermark BIGINT NOT NULL,
  PRIMARY KEY (topic_id, partition_id)
);
CREATE TABLE objects (
  object_id TEXT PRIMARY KEY,
  object_key TEXT NOT NULL,
  level INTEGER NOT NULL,
  size_bytes BIGINT NOT NULL,
  created_ms BIGINT NOT NULL,
  dead_since_ms BIGINT
);
CREATE INDEX objects_by_dead_since ON objects (dead_since_ms);
CREATE TABLE chunks (
  topic_id BLOB NOT NULL,
  partition_id INTEGER NOT NULL,
  base_offset BIGINT NOT NULL,
  offset_count INTEGER NOT NULL,
  record_count INTEGER NOT NULL,
  object_id TEXT NOT NULL REFERENCES objects (object_id),
  byte_offset BIGINT NOT NULL,
  byte_length BIGINT NOT NULL,
  first_timestamp BIGINT NOT NULL,
  max_timestamp BIGINT NOT NULL,
  PRIMARY KEY (topic_id, partition_id, base_offset),
  FOREIGN KEY (topic_id, partition_id) REFERENCES partitions (topic_id, partition_id)
    ON DELETE CASCADE
);
CREATE INDEX chunks_by_object ON chunks (object_id);
CREATE TABLE commit_outcomes (
  object_id TEXT NOT NULL REFERENCES objects (object_id) ON DELETE CASCADE,
  chunk_index INTEGER NOT NULL,
  error_code INTEGER NOT NULL,
  base_offset BIGINT NOT NULL,
  log_append_time_ms BIGINT NOT NULL,
  log_start_offset BIGINT NOT NULL,
  duplicate INTEGER NOT NULL,
  PRIMARY KEY (object_id, chunk_index)
);
CREATE TABLE producer_id_block (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  next_producer_id BIGINT NOT NULL
);
INSERT INTO producer_id_block (singleton, next_producer_id) VALUES (1, 0);
CREATE TABLE producers (
  producer_id BIGINT PRIMARY KEY,
  producer_epoch INTEGER NOT NULL,
  transactional_id TEXT UNIQUE,
  created_ms BIGINT NOT NULL
);
CREATE TABLE producer_state (
  producer_id BIGINT NOT NULL,
  topic_id BLOB NOT NULL,
  partition_id INTEGER NOT NULL,
  producer_epoch INTEGER NOT NULL,
  last_sequence INTEGER NOT NULL,
  updated_ms BIGINT NOT NULL,
  PRIMARY KEY (producer_id, topic_id, partition_id),
  FOREIGN KEY (topic_id, partition_id) REFERENCES partitions (topic_id, partition_id)
    ON DELETE CASCADE
);
CREATE TABLE producer_batches (
  producer_id BIGINT NOT NULL,
  topic_id BLOB NOT NULL,
  partition_id INTEGER NOT NULL,
  base_offset BIGINT NOT NULL,
  base_sequence INTEGER NOT NULL,
  last_sequence INTEGER NOT NULL,
  PRIMARY KEY (producer_id, topic_id, partition_id, base_offset),
  FOREIGN KEY (topic_id, partition_id) REFERENCES partitions (topic_id, partition_id)
    ON DELETE CASCADE
);
CREATE TABLE consumer_groups (
  group_id TEXT PRIMARY KEY,
  protocol_type TEXT NOT NULL,
  generation_id INTEGER NOT NULL,
  state BLOB,
  owner_agent_id TEXT,
  updated_ms BIGINT NOT NULL
);
CREATE TABLE committed_offsets (
  group_id TEXT NOT NULL,
  topic_name TEXT NOT NULL,
  partition_id INTEGER NOT NULL,
  committed_offset BIGINT NOT NULL,
  leader_epoch INTEGER NOT NULL,
  metadata TEXT NOT NULL,
  commit_time_ms BIGINT NOT NULL,
  PRIMARY KEY (group_id, topic_name, partition_id)
);
CREATE TABLE agents (
  agent_id TEXT PRIMARY KEY,
  advertised_host TEXT NOT NULL,
  kafka_port INTEGER NOT NULL,
  http_port INTEGER NOT NULL,
  roles TEXT NOT NULL,
  availability_zone TEXT NOT NULL,
  agent_group TEXT NOT NULL,
  heartbeat_ms BIGINT NOT NULL
);
CREATE TABLE jobs (
  job_id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  payload BLOB NOT NULL,
  state TEXT NOT NULL,
  lease_owner TEXT,
  lease_expires_ms BIGINT,
  attempts INTEGER NOT NULL,
  created_ms BIGINT NOT NULL
);
)sql";

// Version 2: cluster membership and consumer-group ownership. The `agents` table of version 1
// (text ids, never used) is replaced by one keyed by node id, the Kafka broker id an agent gets
// at registration; node ids come from a counter row so none is ever given twice, even after the
// agent's row is gone. A group lease names the agent that owns the group's in-memory state.
constexpr char kMembershipSchema[] = R"sql(
DROP TABLE agents;
CREATE TABLE agents (
  node_id INTEGER PRIMARY KEY,
  instance_id TEXT NOT NULL,
  advertised_host TEXT NOT NULL,
  kafka_port INTEGER NOT NULL,
  http_port INTEGER NOT NULL,
  roles TEXT NOT NULL,
  availability_zone TEXT NOT NULL,
  agent_group TEXT NOT NULL,
  registered_ms BIGINT NOT NULL,
  lease_expires_ms BIGINT NOT NULL
);
CREATE INDEX agents_by_lease_expiry ON agents (lease_expires_ms);
CREATE TABLE node_id_counter (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  next_node_id BIGINT NOT NULL
);
INSERT INTO node_id_counter (singleton, next_node_id) VALUES (1, 1);
CREATE TABLE group_leases (
  group_id TEXT PRIMARY KEY,
  node_id INTEGER NOT NULL,
  acquired_ms BIGINT NOT NULL,
  lease_expires_ms BIGINT NOT NULL
);
CREATE INDEX group_leases_by_node ON group_leases (node_id);
)sql";

// Version 3: background jobs. Named leases (the cluster-wide job planner holds "planner"); jobs
// are claimed by lease expiry (version 1's jobs table); objects are listed by level for
// compaction planning.
constexpr char kJobsSchema[] = R"sql(
CREATE TABLE leases (
  lease_name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  expires_ms BIGINT NOT NULL
);
CREATE INDEX jobs_by_lease_expiry ON jobs (lease_expires_ms, created_ms);
CREATE INDEX objects_by_level ON objects (level, created_ms);
)sql";

// Version 4: transactions (docs/design-transactions.md §4). A transactional id's state; the
// partitions and groups of its open transaction with the offsets it staged; transaction markers,
// which take an offset like a one-record batch but have no bytes in any object (Fetch builds the
// control batch). The epoch stays in `producers`; `last_producer_epoch` is the epoch a timeout
// abort fenced (KIP-360 recovery), else -1.
constexpr char kTransactionsSchema[] = R"sql(
CREATE TABLE transactions (
  transactional_id TEXT PRIMARY KEY,
  producer_id BIGINT NOT NULL UNIQUE,
  last_producer_epoch INTEGER NOT NULL,
  state TEXT NOT NULL,
  timeout_ms INTEGER NOT NULL,
  started_ms BIGINT NOT NULL,
  deadline_ms BIGINT,
  updated_ms BIGINT NOT NULL
);
CREATE INDEX transactions_by_deadline ON transactions (deadline_ms);
CREATE TABLE txn_partitions (
  transactional_id TEXT NOT NULL REFERENCES transactions (transactional_id) ON DELETE CASCADE,
  topic_id BLOB NOT NULL,
  partition_id INTEGER NOT NULL,
  first_offset BIGINT,
  PRIMARY KEY (transactional_id, topic_id, partition_id),
  FOREIGN KEY (topic_id, partition_id) REFERENCES partitions (topic_id, partition_id)
    ON DELETE CASCADE
);
CREATE INDEX txn_partitions_open ON txn_partitions (topic_id, partition_id, first_offset);
CREATE TABLE txn_groups (
  transactional_id TEXT NOT NULL REFERENCES transactions (transactional_id) ON DELETE CASCADE,
  group_id TEXT NOT NULL,
  PRIMARY KEY (transactional_id, group_id)
);
CREATE TABLE txn_pending_offsets (
  transactional_id TEXT NOT NULL REFERENCES transactions (transactional_id) ON DELETE CASCADE,
  group_id TEXT NOT NULL,
  topic_name TEXT NOT NULL,
  partition_id INTEGER NOT NULL,
  committed_offset BIGINT NOT NULL,
  leader_epoch INTEGER NOT NULL,
  metadata TEXT NOT NULL,
  commit_time_ms BIGINT NOT NULL,
  PRIMARY KEY (transactional_id, group_id, topic_name, partition_id)
);
CREATE INDEX txn_pending_by_group ON txn_pending_offsets (group_id, topic_name, partition_id);
CREATE TABLE txn_markers (
  topic_id BLOB NOT NULL,
  partition_id INTEGER NOT NULL,
  marker_offset BIGINT NOT NULL,
  producer_id BIGINT NOT NULL,
  producer_epoch INTEGER NOT NULL,
  committed INTEGER NOT NULL,
  coordinator_epoch INTEGER NOT NULL,
  first_offset BIGINT NOT NULL,
  timestamp_ms BIGINT NOT NULL,
  PRIMARY KEY (topic_id, partition_id, marker_offset),
  FOREIGN KEY (topic_id, partition_id) REFERENCES partitions (topic_id, partition_id)
    ON DELETE CASCADE
);
CREATE INDEX txn_markers_aborted ON txn_markers (topic_id, partition_id, marker_offset)
  WHERE committed = 0;
ALTER TABLE partitions ADD COLUMN last_abort_offset BIGINT NOT NULL DEFAULT -1;
)sql";

constexpr Migration kMigrations[] = {
    {1, "initial schema", kInitialSchema},
    {2, "membership and group leases", kMembershipSchema},
    {3, "background jobs", kJobsSchema},
    {4, "transactions", kTransactionsSchema},
};

}  // namespace

std::span<const Migration> SchemaMigrations() { return kMigrations; }

}  // namespace sluice::metadata
