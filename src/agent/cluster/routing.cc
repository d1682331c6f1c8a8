#include "agent/cluster/routing.h"

#include "agent/cluster/rendezvous.h"

namespace sluice::agent {

namespace {

template <typename Predicate>
AgentList Filter(const AgentList& agents, Predicate keep) {
  AgentList out;
  for (const auto& agent : agents) {
    if (agent.agent.kafka_port > 0 && keep(agent)) out.push_back(agent);
  }
  return out;
}

bool IsPlainProxy(const metadata::AgentRecord& a) { return AgentHasRole(a, "proxy"); }

}  // namespace

ClientRouting RouteClient(const ClusterView& cluster, RoutingLog* log, std::string_view client_id) {
  ClientRouting routing;
  routing.hints = ParseClientHints(client_id);
  routing.set = SelectBrokers(*cluster.LiveAgents(), cluster.Self(), routing.hints);
  if (log) log->WarnOnce(client_id, routing.set.fallback);
  return routing;
}

BrokerSet SelectBrokers(const AgentList& live, const metadata::AgentRecord& self,
                        const ClientHints& hints) {
  BrokerSet set;
  if (hints.target == ProxyTarget::kProduce) {
    set.brokers = Filter(live, ServesProduce);
  } else if (hints.target == ProxyTarget::kConsume) {
    set.brokers = Filter(live, ServesConsume);
  }
  if (hints.target != ProxyTarget::kNone && set.brokers.empty()) {
    set.fallback = "no_agent_for_target";
  }
  if (set.brokers.empty()) {
    set.brokers = Filter(live, IsPlainProxy);
    if (set.brokers.empty()) {
      set.brokers = Filter(live, IsProxy);
      if (!set.brokers.empty() && set.fallback.empty()) set.fallback = "no_plain_proxy_agent";
    }
  }
  if (!hints.zone.empty()) {
    AgentList in_zone =
        Filter(set.brokers, [&](const auto& a) { return a.agent.availability_zone == hints.zone; });
    if (!in_zone.empty()) set.brokers = std::move(in_zone);
  }
  if (set.brokers.empty() && self.agent.kafka_port > 0) set.brokers.push_back(self);
  return set;
}

int32_t LeaderFor(const BrokerSet& set, std::string_view topic, int32_t partition,
                  const ClientHints& hints, std::string_view client_id) {
  const auto& brokers = set.brokers;
  if (brokers.empty()) return -1;
  const int n = static_cast<int>(brokers.size());
  if (hints.single_agent) {
    return brokers[RendezvousPick(client_id, n, [&](int i) { return brokers[i].node_id; })].node_id;
  }
  const uint64_t start = RendezvousScore(topic, 0) % static_cast<uint64_t>(n);
  const uint64_t index = (start + static_cast<uint64_t>(partition)) % static_cast<uint64_t>(n);
  return brokers[index].node_id;
}

const metadata::AgentRecord* PickForKey(const BrokerSet& set, std::string_view key) {
  const auto& brokers = set.brokers;
  if (brokers.empty()) return nullptr;
  return &brokers[RendezvousPick(key, static_cast<int>(brokers.size()),
                                 [&](int i) { return brokers[i].node_id; })];
}

}  // namespace sluice::agent
