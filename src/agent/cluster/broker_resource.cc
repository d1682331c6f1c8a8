#include "agent/cluster/broker_resource.h"

#include <charconv>

namespace sluice::agent {

Result<std::optional<int32_t>> ParseBrokerResourceName(const std::string& name) {
  if (name.empty()) return std::optional<int32_t>();
  int32_t id = 0;
  const char* end = name.data() + name.size();
  auto [ptr, ec] = std::from_chars(name.data(), end, id);
  if (ec != std::errc() || ptr != end) {
    return Status::InvalidArgument("Broker id must be an integer, but it is: " + name);
  }
  return std::optional<int32_t>(id);
}

std::vector<std::pair<std::string, std::optional<std::string>>> AgentMembershipConfigs(
    const metadata::AgentRecord& record) {
  const auto& a = record.agent;
  std::optional<std::string> rack;
  if (!a.availability_zone.empty()) rack = a.availability_zone;
  return {
      {"broker.id", std::to_string(record.node_id)},
      {"broker.rack", rack},
      {kAgentRolesConfig, a.roles},
      {kAgentZoneConfig, a.availability_zone},
      {"sluice.agent.group", a.agent_group},
      {"sluice.agent.host", a.host},
      {"sluice.agent.kafka.port", std::to_string(a.kafka_port)},
      {"sluice.agent.http.port", std::to_string(a.http_port)},
      {"sluice.agent.instance.id", a.instance_id},
      {"sluice.agent.registered.ms", std::to_string(record.registered_ms)},
  };
}

}  // namespace sluice::agent
