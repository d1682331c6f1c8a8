// SqliteMetadataStore: cluster membership (agents with leases and never-reused node ids) and
// consumer-group ownership leases. One connection on one thread serializes everything, so the
// statements need no locking beyond their transactions; the SQL mirrors postgres_membership.cc.
#include <algorithm>

#include "metadata/membership_rules.h"
#include "metadata/sqlite_metadata_store.h"

namespace sluice::metadata {

namespace {

constexpr char kAgentColumns[] =
    "node_id, instance_id, advertised_host, kafka_port, http_port, roles, availability_zone, "
    "agent_group, registered_ms, lease_expires_ms";

Result<AgentRecord> AgentFromRow(const Statement& row) {
  AgentRecord record;
  SLUICE_ASSIGN_OR_RETURN(record.node_id, NodeIdFromCounter(row.Int(0)));
  record.agent.instance_id = row.Text(1);
  record.agent.host = row.Text(2);
  record.agent.kafka_port = static_cast<int32_t>(row.Int(3));
  record.agent.http_port = static_cast<int32_t>(row.Int(4));
  record.agent.roles = row.Text(5);
  record.agent.availability_zone = row.Text(6);
  record.agent.agent_group = row.Text(7);
  record.registered_ms = row.Int(8);
  record.lease_expires_ms = row.Int(9);
  return record;
}

}  // namespace

Result<AgentRecord> SqliteMetadataStore::RegisterAgentNow(const AgentRegistration& agent,
                                                          int64_t now_ms, int64_t lease_ms) {
  SLUICE_RETURN_IF_ERROR(ValidateRegistration(agent));
  SLUICE_RETURN_IF_ERROR(ValidateLeaseTimes(now_ms, lease_ms));
  return db_->InTransaction([&]() -> Result<AgentRecord> {
    SLUICE_ASSIGN_OR_RETURN(
        Statement next, db_->Prepare("UPDATE node_id_counter SET next_node_id = next_node_id + 1 "
                                     "WHERE singleton = 1 RETURNING next_node_id - 1"));
    SLUICE_ASSIGN_OR_RETURN(bool found, next.Step());
    if (!found) return Status::Corruption("node id counter row is missing");
    AgentRecord record;
    SLUICE_ASSIGN_OR_RETURN(record.node_id, NodeIdFromCounter(next.Int(0)));
    SLUICE_ASSIGN_OR_RETURN(bool more, next.Step());  // finish the statement before the next one
    if (more) return Status::Corruption("node id counter has several rows");
    record.agent = agent;
    record.registered_ms = now_ms;
    record.lease_expires_ms = now_ms + lease_ms;
    SLUICE_ASSIGN_OR_RETURN(Statement insert,
                            db_->Prepare(std::string("INSERT INTO agents (") + kAgentColumns +
                                         ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
    SLUICE_RETURN_IF_ERROR(insert.Bind(1, record.node_id)
                               .Bind(2, agent.instance_id)
                               .Bind(3, agent.host)
                               .Bind(4, agent.kafka_port)
                               .Bind(5, agent.http_port)
                               .Bind(6, agent.roles)
                               .Bind(7, agent.availability_zone)
                               .Bind(8, agent.agent_group)
                               .Bind(9, record.registered_ms)
                               .Bind(10, record.lease_expires_ms)
                               .Run());
    return record;
  });
}

Status SqliteMetadataStore::RenewAgentLeaseNow(int32_t node_id, int64_t now_ms, int64_t lease_ms) {
  SLUICE_RETURN_IF_ERROR(ValidateNodeId(node_id));
  SLUICE_RETURN_IF_ERROR(ValidateLeaseTimes(now_ms, lease_ms));
  SLUICE_ASSIGN_OR_RETURN(
      Statement renew,
      db_->Prepare("UPDATE agents SET lease_expires_ms = ?2 WHERE node_id = ?1 RETURNING 1"));
  renew.Bind(1, node_id).Bind(2, now_ms + lease_ms);
  SLUICE_ASSIGN_OR_RETURN(bool found, renew.Step());
  if (!found) {
    return Status::NotFound("agent " + std::to_string(node_id) +
                            " is not registered (deregistered or reaped); register again");
  }
  return renew.Run();  // steps past the single RETURNING row so the change is complete
}

Status SqliteMetadataStore::DeregisterAgentNow(int32_t node_id) {
  SLUICE_RETURN_IF_ERROR(ValidateNodeId(node_id));
  return db_->InTransaction([&]() -> Status {
    SLUICE_ASSIGN_OR_RETURN(Statement leases,
                            db_->Prepare("DELETE FROM group_leases WHERE node_id = ?1"));
    SLUICE_RETURN_IF_ERROR(leases.Bind(1, node_id).Run());
    SLUICE_ASSIGN_OR_RETURN(Statement agent, db_->Prepare("DELETE FROM agents WHERE node_id = ?1"));
    return agent.Bind(1, node_id).Run();
  });
}

Result<std::vector<AgentRecord>> SqliteMetadataStore::ListLiveAgentsNow(int64_t now_ms) {
  if (now_ms < 0) return Status::InvalidArgument("now_ms is negative");
  return db_->InTransaction([&]() -> Result<std::vector<AgentRecord>> {
    // Reap agents long dead, with their group leases (which anyone may take over already).
    const int64_t reap_before = now_ms - kReapAgentsAfterMs;
    SLUICE_ASSIGN_OR_RETURN(
        Statement leases, db_->Prepare("DELETE FROM group_leases WHERE node_id IN "
                                       "(SELECT node_id FROM agents WHERE lease_expires_ms < ?1)"));
    SLUICE_RETURN_IF_ERROR(leases.Bind(1, reap_before).Run());
    SLUICE_ASSIGN_OR_RETURN(Statement reap,
                            db_->Prepare("DELETE FROM agents WHERE lease_expires_ms < ?1"));
    SLUICE_RETURN_IF_ERROR(reap.Bind(1, reap_before).Run());

    SLUICE_ASSIGN_OR_RETURN(Statement live, db_->Prepare(std::string("SELECT ") + kAgentColumns +
                                                         " FROM agents WHERE lease_expires_ms > ?1 "
                                                         "ORDER BY node_id"));
    live.Bind(1, now_ms);
    std::vector<AgentRecord> agents;
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(bool row, live.Step());
      if (!row) break;
      SLUICE_ASSIGN_OR_RETURN(AgentRecord record, AgentFromRow(live));
      agents.push_back(std::move(record));
    }
    return agents;
  });
}

Result<int32_t> SqliteMetadataStore::AcquireGroupLeaseNow(const std::string& group, int32_t node_id,
                                                          int64_t now_ms, int64_t lease_ms) {
  SLUICE_RETURN_IF_ERROR(ValidateGroupId(group));
  SLUICE_RETURN_IF_ERROR(ValidateNodeId(node_id));
  SLUICE_RETURN_IF_ERROR(ValidateLeaseTimes(now_ms, lease_ms));
  return db_->InTransaction([&]() -> Result<int32_t> {
    // Only a live agent may own a group: a dead one's leases are up for grabs by anyone else.
    SLUICE_ASSIGN_OR_RETURN(
        Statement me,
        db_->Prepare("SELECT 1 FROM agents WHERE node_id = ?1 AND lease_expires_ms > ?2"));
    me.Bind(1, node_id).Bind(2, now_ms);
    SLUICE_ASSIGN_OR_RETURN(bool live, me.Step());
    if (!live) {
      return Status::NotFound("agent " + std::to_string(node_id) +
                              " is not a live agent; it cannot own a group");
    }
    // Take the group when it is free, its lease ran out, its owner is no live agent, or it is
    // already ours (then the lease is extended).
    SLUICE_ASSIGN_OR_RETURN(
        Statement take,
        db_->Prepare(
            "INSERT INTO group_leases (group_id, node_id, acquired_ms, lease_expires_ms) "
            "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (group_id) DO UPDATE SET "
            "acquired_ms = CASE WHEN group_leases.node_id = excluded.node_id "
            "THEN group_leases.acquired_ms ELSE excluded.acquired_ms END, "
            "node_id = excluded.node_id, lease_expires_ms = excluded.lease_expires_ms "
            "WHERE group_leases.node_id = excluded.node_id "
            "OR group_leases.lease_expires_ms <= ?3 "
            "OR NOT EXISTS (SELECT 1 FROM agents WHERE agents.node_id = group_leases.node_id "
            "AND agents.lease_expires_ms > ?3) "
            "RETURNING node_id"));
    take.Bind(1, group).Bind(2, node_id).Bind(3, now_ms).Bind(4, now_ms + lease_ms);
    SLUICE_ASSIGN_OR_RETURN(bool taken, take.Step());
    if (taken) {
      SLUICE_RETURN_IF_ERROR(take.Run());
      return node_id;
    }
    SLUICE_ASSIGN_OR_RETURN(Statement owner,
                            db_->Prepare("SELECT node_id FROM group_leases WHERE group_id = ?1"));
    owner.Bind(1, group);
    SLUICE_ASSIGN_OR_RETURN(bool found, owner.Step());
    if (!found) return Status::Internal("group lease of '" + group + "' vanished");
    return NodeIdFromCounter(owner.Int(0));
  });
}

Result<std::vector<std::string>> SqliteMetadataStore::RenewGroupLeasesNow(int32_t node_id,
                                                                          int64_t now_ms,
                                                                          int64_t lease_ms) {
  SLUICE_RETURN_IF_ERROR(ValidateNodeId(node_id));
  SLUICE_RETURN_IF_ERROR(ValidateLeaseTimes(now_ms, lease_ms));
  return db_->InTransaction([&]() -> Result<std::vector<std::string>> {
    SLUICE_ASSIGN_OR_RETURN(
        Statement renew,
        db_->Prepare("UPDATE group_leases SET lease_expires_ms = ?2 WHERE node_id = ?1 "
                     "RETURNING group_id"));
    renew.Bind(1, node_id).Bind(2, now_ms + lease_ms);
    std::vector<std::string> groups;
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(bool row, renew.Step());
      if (!row) break;
      groups.push_back(renew.Text(0));
    }
    std::sort(groups.begin(), groups.end());
    return groups;
  });
}

Status SqliteMetadataStore::ReleaseGroupLeasesNow(int32_t node_id, const std::string& group) {
  SLUICE_RETURN_IF_ERROR(ValidateNodeId(node_id));
  if (group.empty()) {
    SLUICE_ASSIGN_OR_RETURN(Statement all,
                            db_->Prepare("DELETE FROM group_leases WHERE node_id = ?1"));
    return all.Bind(1, node_id).Run();
  }
  SLUICE_ASSIGN_OR_RETURN(
      Statement one, db_->Prepare("DELETE FROM group_leases WHERE node_id = ?1 AND group_id = ?2"));
  return one.Bind(1, node_id).Bind(2, group).Run();
}

// --- Coroutine wrappers ---------------------------------------------------------------------

Task<Result<AgentRecord>> SqliteMetadataStore::RegisterAgent(AgentRegistration agent,
                                                             int64_t now_ms, int64_t lease_ms) {
  auto work = [this, agent = std::move(agent), now_ms, lease_ms] {
    return RegisterAgentNow(agent, now_ms, lease_ms);
  };
  co_return co_await OnDbThread(std::move(work));
}

Task<Status> SqliteMetadataStore::RenewAgentLease(int32_t node_id, int64_t now_ms,
                                                  int64_t lease_ms) {
  auto work = [this, node_id, now_ms, lease_ms] {
    return RenewAgentLeaseNow(node_id, now_ms, lease_ms);
  };
  co_return co_await OnDbThread(std::move(work));
}

Task<Status> SqliteMetadataStore::DeregisterAgent(int32_t node_id) {
  auto work = [this, node_id] { return DeregisterAgentNow(node_id); };
  co_return co_await OnDbThread(std::move(work));
}

Task<Result<std::vector<AgentRecord>>> SqliteMetadataStore::ListLiveAgents(int64_t now_ms) {
  auto work = [this, now_ms] { return ListLiveAgentsNow(now_ms); };
  co_return co_await OnDbThread(std::move(work));
}

Task<Result<int32_t>> SqliteMetadataStore::AcquireGroupLease(std::string group, int32_t node_id,
                                                             int64_t now_ms, int64_t lease_ms) {
  auto work = [this, group = std::move(group), node_id, now_ms, lease_ms] {
    return AcquireGroupLeaseNow(group, node_id, now_ms, lease_ms);
  };
  co_return co_await OnDbThread(std::move(work));
}

Task<Result<std::vector<std::string>>> SqliteMetadataStore::RenewGroupLeases(int32_t node_id,
                                                                             int64_t now_ms,
                                                                             int64_t lease_ms) {
  auto work = [this, node_id, now_ms, lease_ms] {
    return RenewGroupLeasesNow(node_id, now_ms, lease_ms);
  };
  co_return co_await OnDbThread(std::move(work));
}

Task<Status> SqliteMetadataStore::ReleaseGroupLeases(int32_t node_id, std::string group) {
  auto work = [this, node_id, group = std::move(group)] {
    return ReleaseGroupLeasesNow(node_id, group);
  };
  co_return co_await OnDbThread(std::move(work));
}

}  // namespace sluice::metadata
