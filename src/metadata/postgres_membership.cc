// PostgresMetadataStore: cluster membership (agents with leases and never-reused node ids) and
// consumer-group ownership leases, for many agents racing on one database.
//
// Concurrency: node ids come from one counter row whose UPDATE serializes registrations. A group
// lease is taken by INSERT ... ON CONFLICT DO UPDATE ... WHERE: under READ COMMITTED the upsert
// locks the group's row and evaluates the condition on its newest committed version, so of
// several agents racing for one group exactly one wins; the losers (their row lock still held)
// read the winner in the same transaction. The SQL mirrors sqlite_membership.cc.
#include <algorithm>

#include "metadata/membership_rules.h"
#include "metadata/postgres_metadata_store.h"
#include "metadata/postgres_store_util.h"

namespace sluice::metadata {

namespace {

using Retry = RetryAfterLostCommit;

constexpr char kAgentColumns[] =
    "node_id, instance_id, advertised_host, kafka_port, http_port, roles, availability_zone, "
    "agent_group, registered_ms, lease_expires_ms";

Result<AgentRecord> AgentFromRow(const PgResult& res, int row) {
  AgentRecord record;
  SLUICE_ASSIGN_OR_RETURN(record.node_id, Int32At(res, row, 0));
  record.agent.instance_id = res.Text(row, 1);
  record.agent.host = res.Text(row, 2);
  SLUICE_ASSIGN_OR_RETURN(record.agent.kafka_port, Int32At(res, row, 3));
  SLUICE_ASSIGN_OR_RETURN(record.agent.http_port, Int32At(res, row, 4));
  record.agent.roles = res.Text(row, 5);
  record.agent.availability_zone = res.Text(row, 6);
  record.agent.agent_group = res.Text(row, 7);
  SLUICE_ASSIGN_OR_RETURN(record.registered_ms, res.Int(row, 8));
  SLUICE_ASSIGN_OR_RETURN(record.lease_expires_ms, res.Int(row, 9));
  return record;
}

}  // namespace

Result<AgentRecord> PostgresMetadataStore::RegisterAgentNow(PgConnection& db,
                                                            const AgentRegistration& agent,
                                                            int64_t now_ms, int64_t lease_ms) {
  SLUICE_RETURN_IF_ERROR(ValidateRegistration(agent));
  SLUICE_RETURN_IF_ERROR(ValidateLeaseTimes(now_ms, lease_ms));
  // A lost COMMIT is not retried: the retry would register a second, ghost agent.
  return InTransaction(db, Retry::kNo, [&]() -> Result<AgentRecord> {
    SLUICE_ASSIGN_OR_RETURN(PgResult next,
                            db.Exec("UPDATE node_id_counter SET next_node_id = next_node_id + 1 "
                                    "WHERE singleton = 1 RETURNING next_node_id - 1"));
    if (next.rows() != 1) return Status::Corruption("node id counter row is missing");
    SLUICE_ASSIGN_OR_RETURN(const int64_t counter, next.Int(0, 0));
    AgentRecord record;
    SLUICE_ASSIGN_OR_RETURN(record.node_id, NodeIdFromCounter(counter));
    record.agent = agent;
    record.registered_ms = now_ms;
    record.lease_expires_ms = now_ms + lease_ms;
    SLUICE_RETURN_IF_ERROR(
        db.Exec(std::string("INSERT INTO agents (") + kAgentColumns +
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                {record.node_id, agent.instance_id, agent.host, agent.kafka_port, agent.http_port,
                 agent.roles, agent.availability_zone, agent.agent_group, record.registered_ms,
                 record.lease_expires_ms})
            .status());
    return record;
  });
}

Status PostgresMetadataStore::RenewAgentLeaseNow(PgConnection& db, int32_t node_id, int64_t now_ms,
                                                 int64_t lease_ms) {
  SLUICE_RETURN_IF_ERROR(ValidateNodeId(node_id));
  SLUICE_RETURN_IF_ERROR(ValidateLeaseTimes(now_ms, lease_ms));
  return InTransaction(db, Retry::kYes, [&]() -> Status {
    SLUICE_ASSIGN_OR_RETURN(PgResult renewed,
                            db.Exec("UPDATE agents SET lease_expires_ms = $2 WHERE node_id = $1",
                                    {node_id, now_ms + lease_ms}));
    if (renewed.affected() == 0) {
      return Status::NotFound("agent " + std::to_string(node_id) +
                              " is not registered (deregistered or reaped); register again");
    }
    return Status::Ok();
  });
}

Status PostgresMetadataStore::DeregisterAgentNow(PgConnection& db, int32_t node_id) {
  SLUICE_RETURN_IF_ERROR(ValidateNodeId(node_id));
  return InTransaction(db, Retry::kYes, [&]() -> Status {
    SLUICE_RETURN_IF_ERROR(
        db.Exec("DELETE FROM group_leases WHERE node_id = $1", {node_id}).status());
    return db.Exec("DELETE FROM agents WHERE node_id = $1", {node_id}).status();
  });
}

Result<std::vector<AgentRecord>> PostgresMetadataStore::ListLiveAgentsNow(PgConnection& db,
                                                                          int64_t now_ms) {
  if (now_ms < 0) return Status::InvalidArgument("now_ms is negative");
  return InTransaction(db, Retry::kYes, [&]() -> Result<std::vector<AgentRecord>> {
    // Reap agents long dead, with their group leases (which anyone may take over already).
    const int64_t reap_before = now_ms - kReapAgentsAfterMs;
    SLUICE_RETURN_IF_ERROR(db.Exec("DELETE FROM group_leases WHERE node_id IN "
                                   "(SELECT node_id FROM agents WHERE lease_expires_ms < $1)",
                                   {reap_before})
                               .status());
    SLUICE_RETURN_IF_ERROR(
        db.Exec("DELETE FROM agents WHERE lease_expires_ms < $1", {reap_before}).status());
    SLUICE_ASSIGN_OR_RETURN(PgResult live, db.Exec(std::string("SELECT ") + kAgentColumns +
                                                       " FROM agents WHERE lease_expires_ms > $1 "
                                                       "ORDER BY node_id",
                                                   {now_ms}));
    std::vector<AgentRecord> agents;
    agents.reserve(live.rows());
    for (int row = 0; row < live.rows(); ++row) {
      SLUICE_ASSIGN_OR_RETURN(AgentRecord record, AgentFromRow(live, row));
      agents.push_back(std::move(record));
    }
    return agents;
  });
}

Result<int32_t> PostgresMetadataStore::AcquireGroupLeaseNow(PgConnection& db,
                                                            const std::string& group,
                                                            int32_t node_id, int64_t now_ms,
                                                            int64_t lease_ms) {
  SLUICE_RETURN_IF_ERROR(ValidateGroupId(group));
  SLUICE_RETURN_IF_ERROR(ValidateNodeId(node_id));
  SLUICE_RETURN_IF_ERROR(ValidateLeaseTimes(now_ms, lease_ms));
  return InTransaction(db, Retry::kYes, [&]() -> Result<int32_t> {
    // Only a live agent may own a group: a dead one's leases are up for grabs by anyone else.
    SLUICE_ASSIGN_OR_RETURN(
        PgResult me, db.Exec("SELECT 1 FROM agents WHERE node_id = $1 AND lease_expires_ms > $2",
                             {node_id, now_ms}));
    if (me.rows() == 0) {
      return Status::NotFound("agent " + std::to_string(node_id) +
                              " is not a live agent; it cannot own a group");
    }
    // Take the group when it is free, its lease ran out, its owner is no live agent, or it is
    // already ours (then the lease is extended).
    SLUICE_ASSIGN_OR_RETURN(
        PgResult taken,
        db.Exec("INSERT INTO group_leases (group_id, node_id, acquired_ms, lease_expires_ms) "
                "VALUES ($1, $2, $3, $4) ON CONFLICT (group_id) DO UPDATE SET "
                "acquired_ms = CASE WHEN group_leases.node_id = excluded.node_id "
                "THEN group_leases.acquired_ms ELSE excluded.acquired_ms END, "
                "node_id = excluded.node_id, lease_expires_ms = excluded.lease_expires_ms "
                "WHERE group_leases.node_id = excluded.node_id "
                "OR group_leases.lease_expires_ms <= $3 "
                "OR NOT EXISTS (SELECT 1 FROM agents WHERE agents.node_id = group_leases.node_id "
                "AND agents.lease_expires_ms > $3) "
                "RETURNING node_id",
                {group, node_id, now_ms, now_ms + lease_ms}));
    if (taken.rows() == 1) return node_id;
    // Not taken: the upsert still locked the row, so the owner read here is the current one.
    SLUICE_ASSIGN_OR_RETURN(
        PgResult owner, db.Exec("SELECT node_id FROM group_leases WHERE group_id = $1", {group}));
    if (owner.rows() != 1) return Status::Internal("group lease of '" + group + "' vanished");
    return Int32At(owner, 0, 0);
  });
}

Result<std::vector<std::string>> PostgresMetadataStore::RenewGroupLeasesNow(PgConnection& db,
                                                                            int32_t node_id,
                                                                            int64_t now_ms,
                                                                            int64_t lease_ms) {
  SLUICE_RETURN_IF_ERROR(ValidateNodeId(node_id));
  SLUICE_RETURN_IF_ERROR(ValidateLeaseTimes(now_ms, lease_ms));
  return InTransaction(db, Retry::kYes, [&]() -> Result<std::vector<std::string>> {
    // A row taken over meanwhile no longer names node_id, so it is neither renewed nor returned.
    SLUICE_ASSIGN_OR_RETURN(
        PgResult renewed,
        db.Exec("UPDATE group_leases SET lease_expires_ms = $2 WHERE node_id = $1 "
                "RETURNING group_id",
                {node_id, now_ms + lease_ms}));
    std::vector<std::string> groups;
    groups.reserve(renewed.rows());
    for (int row = 0; row < renewed.rows(); ++row) groups.push_back(renewed.Text(row, 0));
    std::sort(groups.begin(), groups.end());
    return groups;
  });
}

Status PostgresMetadataStore::ReleaseGroupLeasesNow(PgConnection& db, int32_t node_id,
                                                    const std::string& group) {
  SLUICE_RETURN_IF_ERROR(ValidateNodeId(node_id));
  return InTransaction(db, Retry::kYes, [&]() -> Status {
    if (group.empty()) {
      return db.Exec("DELETE FROM group_leases WHERE node_id = $1", {node_id}).status();
    }
    return db
        .Exec("DELETE FROM group_leases WHERE node_id = $1 AND group_id = $2", {node_id, group})
        .status();
  });
}

// --- Coroutine wrappers ---------------------------------------------------------------------

Task<Result<AgentRecord>> PostgresMetadataStore::RegisterAgent(AgentRegistration agent,
                                                               int64_t now_ms, int64_t lease_ms) {
  auto work = [agent = std::move(agent), now_ms, lease_ms](PgConnection& db) {
    return RegisterAgentNow(db, agent, now_ms, lease_ms);
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Status> PostgresMetadataStore::RenewAgentLease(int32_t node_id, int64_t now_ms,
                                                    int64_t lease_ms) {
  auto work = [node_id, now_ms, lease_ms](PgConnection& db) {
    return RenewAgentLeaseNow(db, node_id, now_ms, lease_ms);
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Status> PostgresMetadataStore::DeregisterAgent(int32_t node_id) {
  auto work = [node_id](PgConnection& db) { return DeregisterAgentNow(db, node_id); };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<std::vector<AgentRecord>>> PostgresMetadataStore::ListLiveAgents(int64_t now_ms) {
  auto work = [now_ms](PgConnection& db) { return ListLiveAgentsNow(db, now_ms); };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<int32_t>> PostgresMetadataStore::AcquireGroupLease(std::string group, int32_t node_id,
                                                               int64_t now_ms, int64_t lease_ms) {
  auto work = [group = std::move(group), node_id, now_ms, lease_ms](PgConnection& db) {
    return AcquireGroupLeaseNow(db, group, node_id, now_ms, lease_ms);
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<std::vector<std::string>>> PostgresMetadataStore::RenewGroupLeases(int32_t node_id,
                                                                               int64_t now_ms,
                                                                               int64_t lease_ms) {
  auto work = [node_id, now_ms, lease_ms](PgConnection& db) {
    return RenewGroupLeasesNow(db, node_id, now_ms, lease_ms);
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Status> PostgresMetadataStore::ReleaseGroupLeases(int32_t node_id, std::string group) {
  auto work = [node_id, group = std::move(group)](PgConnection& db) {
    return ReleaseGroupLeasesNow(db, node_id, group);
  };
  co_return co_await pool_->Run(std::move(work));
}

}  // namespace sluice::metadata
