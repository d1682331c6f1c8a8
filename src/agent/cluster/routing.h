// Which agents a client is shown (design.md §1, docs/roles.md): the brokers of Metadata and
// DescribeCluster answers, partition leaders and coordinators. Any agent serves any partition;
// these answers only steer clients to the agents meant for them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agent/cluster/client_hints.h"
#include "agent/cluster/cluster_view.h"
#include "agent/cluster/routing_log.h"

namespace sluice::agent {

struct BrokerSet {
  AgentList brokers;  // by node id ascending; never empty while the answering agent has a listener
  // Why the set is wider than the client asked for ("" when it is exactly what was asked):
  // "no_agent_for_target", "no_plain_proxy_agent". The caller logs it once per client id.
  std::string fallback;
};

// The agents to show a client: proxy agents for its target (plain `proxy` agents count for both
// targets), else the agents with the plain `proxy` role, else every proxy agent; then those of
// the client's zone when there are any. Agents without a Kafka listener are never shown. When
// nothing qualifies (a view that has not seen this agent yet), `self` alone.
BrokerSet SelectBrokers(const AgentList& live, const metadata::AgentRecord& self,
                        const ClientHints& hints);

// The agents one request's client is shown, with its client id's hints parsed once: what
// Metadata, DescribeCluster and FindCoordinator answer from.
struct ClientRouting {
  ClientHints hints;
  BrokerSet set;
};

// Parses the client id, selects its brokers from the cluster's live agents and, when the set is
// wider than the client asked for, warns once through `log` (null: no warning).
ClientRouting RouteClient(const ClusterView& cluster, RoutingLog* log, std::string_view client_id);

// The leader shown for a partition: partitions of a topic go round-robin over the brokers (sorted
// by node id) from a per-topic starting point, so every broker leads an even share and the answer
// is the same on every agent with the same view. With single_agent, one broker (chosen by the
// client id) leads everything.
int32_t LeaderFor(const BrokerSet& set, std::string_view topic, int32_t partition,
                  const ClientHints& hints, std::string_view client_id);

// A stable choice among the brokers for a key (a group id): rendezvous hashing. Null when empty.
const metadata::AgentRecord* PickForKey(const BrokerSet& set, std::string_view key);

}  // namespace sluice::agent
