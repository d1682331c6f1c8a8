#include "agent/cluster/cluster_view.h"

namespace sluice::agent {

const metadata::AgentRecord* FindAgent(const AgentList& agents, int32_t node_id) {
  for (const auto& agent : agents) {
    if (agent.node_id == node_id) return &agent;
  }
  return nullptr;
}

bool AgentHasRole(const metadata::AgentRecord& agent, std::string_view role) {
  std::string_view roles = agent.agent.roles;
  while (!roles.empty()) {
    auto comma = roles.find(',');
    std::string_view item = roles.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == role) return true;
    if (comma == std::string_view::npos) break;
    roles.remove_prefix(comma + 1);
  }
  return false;
}

bool ServesProduce(const metadata::AgentRecord& agent) {
  return agent.agent.kafka_port > 0 &&
         (AgentHasRole(agent, "proxy") || AgentHasRole(agent, "proxy-produce"));
}

bool ServesConsume(const metadata::AgentRecord& agent) {
  return agent.agent.kafka_port > 0 &&
         (AgentHasRole(agent, "proxy") || AgentHasRole(agent, "proxy-consume"));
}

bool IsProxy(const metadata::AgentRecord& agent) {
  return AgentHasRole(agent, "proxy") || AgentHasRole(agent, "proxy-produce") ||
         AgentHasRole(agent, "proxy-consume");
}

StaticClusterView::StaticClusterView(metadata::AgentRecord self)
    : StaticClusterView(self, AgentList{self}) {}

StaticClusterView::StaticClusterView(metadata::AgentRecord self, AgentList live)
    : self_(std::move(self)), live_(std::make_shared<const AgentList>(std::move(live))) {}

void StaticClusterView::SetLive(AgentList live) {
  live_ = std::make_shared<const AgentList>(std::move(live));
}

void StaticClusterView::SetSelf(metadata::AgentRecord self) {
  AgentList live = *live_;
  for (auto& agent : live) {
    if (agent.node_id == self.node_id) agent = self;
  }
  self_ = std::move(self);
  SetLive(std::move(live));
}

}  // namespace sluice::agent
