// What an agent knows about the live agents of its cluster. Membership keeps it fresh from the
// metadata store; tests and single-process tools use StaticClusterView. Snapshots are immutable
// and shared, so a caller can hold one across co_awaits while the view moves on.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "metadata/metadata_store.h"

namespace sluice::agent {

using AgentList = std::vector<metadata::AgentRecord>;

class ClusterView {
 public:
  virtual ~ClusterView() = default;
  // This agent's own record (node id, advertised address, roles, zone).
  virtual const metadata::AgentRecord& Self() const = 0;
  // The live agents, this one included, by node id ascending. Never null.
  virtual std::shared_ptr<const AgentList> LiveAgents() const = 0;
};

// The agent of the list with this node id, or null.
const metadata::AgentRecord* FindAgent(const AgentList& agents, int32_t node_id);

// True when the record's comma-separated roles contain `role` exactly ("proxy", "jobs", ...).
bool AgentHasRole(const metadata::AgentRecord& agent, std::string_view role);
// Agents that accept produce requests: roles proxy or proxy-produce, with a Kafka listener.
bool ServesProduce(const metadata::AgentRecord& agent);
// Agents that accept fetch requests: roles proxy or proxy-consume, with a Kafka listener.
bool ServesConsume(const metadata::AgentRecord& agent);
// Agents with any proxy role (they run the file cache and the Kafka listener).
bool IsProxy(const metadata::AgentRecord& agent);

// A fixed view: one agent alone, or a list set by a test.
class StaticClusterView : public ClusterView {
 public:
  explicit StaticClusterView(metadata::AgentRecord self);
  StaticClusterView(metadata::AgentRecord self, AgentList live);
  const metadata::AgentRecord& Self() const override { return self_; }
  std::shared_ptr<const AgentList> LiveAgents() const override { return live_; }
  void SetLive(AgentList live);
  // Updates the self record (and its copy in the live list), e.g. once the Kafka port is bound.
  void SetSelf(metadata::AgentRecord self);

 private:
  metadata::AgentRecord self_;
  std::shared_ptr<const AgentList> live_;
};

}  // namespace sluice::agent
