// This agent's membership in the cluster: registers in the metadata store (advertised address,
// roles, zone, agent group), renews its lease, keeps a fresh view of the live agents, and
// deregisters on shutdown. A dead agent drops out of every view within one lease.
//
// When the store cannot hold membership (a back end without it), the view is this agent alone.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "agent/cluster/cluster_view.h"
#include "common/asio.h"
#include "common/clock.h"
#include "metadata/metadata_store.h"

namespace sluice::obs {
class Logger;
}

namespace sluice::agent {

struct MembershipOptions {
  std::chrono::milliseconds lease{10000};   // a silent agent is dead after this long
  std::chrono::milliseconds refresh{1000};  // how often the live list is re-read
};

class Membership : public ClusterView {
 public:
  Membership(asio::any_io_executor executor, metadata::MetadataStore& store, const Clock& clock,
             obs::Logger& logger, MembershipOptions options);
  ~Membership() override;

  // Registers this agent and reads the live list once. On Unimplemented the agent runs alone
  // (node id 0); other errors are returned (the store is unreachable: do not serve).
  Task<Status> Register(metadata::AgentRegistration self);
  // Starts renewing and refreshing in the background.
  void Start();
  // Stops the background loop and deregisters, so the others drop this agent at once.
  Task<void> Stop();

  const metadata::AgentRecord& Self() const override { return self_; }
  std::shared_ptr<const AgentList> LiveAgents() const override { return live_; }
  bool clustered() const { return clustered_; }

  // Called after every refresh (e.g. to update metrics or warn about missing roles).
  void OnRefresh(std::function<void(const AgentList&)> callback) {
    on_refresh_ = std::move(callback);
  }

 private:
  struct State;
  Task<void> Loop(std::shared_ptr<State> state);
  Task<void> RenewOnce();
  Task<void> RefreshOnce();
  void SetLive(AgentList live);

  asio::any_io_executor executor_;
  metadata::MetadataStore& store_;
  const Clock& clock_;
  obs::Logger& logger_;
  MembershipOptions options_;
  metadata::AgentRecord self_;
  std::shared_ptr<const AgentList> live_;
  std::function<void(const AgentList&)> on_refresh_;
  std::shared_ptr<State> state_;
  bool clustered_ = false;
  int64_t last_renew_ms_ = 0;
};

}  // namespace sluice::agent
