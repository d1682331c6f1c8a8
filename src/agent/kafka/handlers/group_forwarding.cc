#include "agent/kafka/handlers/group_forwarding.h"

namespace sluice::agent {

Task<GroupSplit> SplitByOwner(KafkaServices& s, const RequestContext& ctx,
                              const std::vector<std::string>& group_ids) {
  GroupSplit split;
  for (size_t i = 0; i < group_ids.size(); ++i) {
    groups::GroupOwner owner = co_await s.group_ownership.Resolve(group_ids[i]);
    if (owner.kind == groups::GroupOwner::Kind::kLocal) {
      split.local.push_back(i);
    } else if (owner.kind == groups::GroupOwner::Kind::kRemote && !ctx.forwarded &&
               s.group_forwarder) {
      auto& entry = split.remote[owner.agent.node_id];
      entry.first = std::move(owner.agent);
      entry.second.push_back(i);
    } else {
      split.unavailable.push_back(i);
    }
  }
  co_return split;
}

}  // namespace sluice::agent
