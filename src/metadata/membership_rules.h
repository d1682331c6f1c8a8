// Argument rules and constants of membership and group leases, shared by both back ends so they
// reject the same input.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "common/status.h"
#include "metadata/metadata_store.h"

namespace sluice::metadata {

// ListLiveAgents deletes agents whose lease ran out longer ago than this (and their group
// leases): long enough that a paused agent renewing late still finds its record.
inline constexpr int64_t kReapAgentsAfterMs = 5 * 60 * 1000;

// Leases are short (seconds); a day is far beyond any sane value and keeps sums from overflowing.
inline constexpr int64_t kMaxLeaseMs = 24 * 60 * 60 * 1000;

inline constexpr size_t kMaxAgentFieldBytes = 1024;

inline Status ValidateLeaseTimes(int64_t now_ms, int64_t lease_ms) {
  if (now_ms < 0) return Status::InvalidArgument("now_ms is negative");
  if (now_ms > std::numeric_limits<int64_t>::max() - kMaxLeaseMs) {
    return Status::InvalidArgument("now_ms is too large");
  }
  if (lease_ms < 1 || lease_ms > kMaxLeaseMs) {
    return Status::InvalidArgument("lease must be between 1 ms and one day, got " +
                                   std::to_string(lease_ms) + " ms");
  }
  return Status::Ok();
}

inline Status ValidateNodeId(int32_t node_id) {
  if (node_id < 1) return Status::InvalidArgument("node id must be positive");
  return Status::Ok();
}

inline Status ValidateGroupId(const std::string& group) {
  if (group.empty()) return Status::InvalidArgument("group id is empty");
  return Status::Ok();
}

inline Status ValidateRegistration(const AgentRegistration& agent) {
  auto port_ok = [](int32_t port) { return port >= 0 && port <= 65535; };
  if (!port_ok(agent.kafka_port) || !port_ok(agent.http_port)) {
    return Status::InvalidArgument("agent ports must be between 0 and 65535");
  }
  if (agent.kafka_port != 0 && agent.host.empty()) {
    return Status::InvalidArgument("an agent with a Kafka listener needs an advertised host");
  }
  for (const std::string* field : {&agent.instance_id, &agent.host, &agent.roles,
                                   &agent.availability_zone, &agent.agent_group}) {
    if (field->size() > kMaxAgentFieldBytes) {
      return Status::InvalidArgument("agent registration field longer than " +
                                     std::to_string(kMaxAgentFieldBytes) + " bytes");
    }
  }
  return Status::Ok();
}

// Node ids are Kafka broker ids (int32); the counter is 64-bit so exhaustion is detectable.
inline Result<int32_t> NodeIdFromCounter(int64_t value) {
  if (value < 1 || value > std::numeric_limits<int32_t>::max()) {
    return Status::ResourceExhausted("no node ids left in this cluster (counter at " +
                                     std::to_string(value) + ")");
  }
  return static_cast<int32_t>(value);
}

}  // namespace sluice::metadata
