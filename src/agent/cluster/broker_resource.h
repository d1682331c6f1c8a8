// DescribeConfigs of a BROKER resource (type 4) shows an agent's membership record as read-only
// configs, so Kafka tools and `sluice cluster` can see each agent's roles and zone (the Kafka
// protocol has no field for them). Unlike Kafka, any agent answers for any live agent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/cluster/cluster_view.h"
#include "common/status.h"
#include "metadata/metadata_store.h"

namespace sluice::agent {

// Config names; docs/cli.md lists them.
inline constexpr const char* kAgentRolesConfig = "sluice.agent.roles";
inline constexpr const char* kAgentZoneConfig = "sluice.agent.zone";
// Only on the answering agent's resource: the node ids of every live agent, comma-separated.
inline constexpr const char* kClusterAgentsConfig = "sluice.cluster.agents";

// The resource name as a node id: nullopt for the empty name (the answering agent, as Kafka's
// cluster-default resource), InvalidArgument (Kafka: INVALID_REQUEST) when not an integer.
Result<std::optional<int32_t>> ParseBrokerResourceName(const std::string& name);

// One agent's membership record as (name, value) configs, in a fixed order: broker.id,
// broker.rack (nullopt without a zone, like Kafka's unset rack), sluice.agent.roles, .zone,
// .group, .host, .kafka.port, .http.port, .instance.id, .registered.ms.
std::vector<std::pair<std::string, std::optional<std::string>>> AgentMembershipConfigs(
    const metadata::AgentRecord& agent);

}  // namespace sluice::agent
