#include "agent/cluster/membership.h"

#include <algorithm>

#include "observability/logger.h"

namespace sluice::agent {

// Shared with the loop coroutine so Stop() can end it even while it sleeps.
struct Membership::State {
  explicit State(asio::any_io_executor ex) : timer(ex) {}
  asio::steady_timer timer;
  bool stopped = false;
};

Membership::Membership(asio::any_io_executor executor, metadata::MetadataStore& store,
                       const Clock& clock, obs::Logger& logger, MembershipOptions options)
    : executor_(executor),
      store_(store),
      clock_(clock),
      logger_(logger),
      options_(options),
      live_(std::make_shared<const AgentList>()) {}

Membership::~Membership() {
  if (state_) {
    state_->stopped = true;
    state_->timer.cancel();
  }
}

Task<Status> Membership::Register(metadata::AgentRegistration self) {
  const int64_t now = clock_.NowMs();
  auto registered = co_await store_.RegisterAgent(self, now, options_.lease.count());
  if (!registered.ok()) {
    if (registered.status().code() != StatusCode::kUnimplemented) co_return registered.status();
    // A store without membership: this agent is the whole cluster.
    self_.node_id = 0;
    self_.agent = std::move(self);
    self_.registered_ms = now;
    self_.lease_expires_ms = INT64_MAX;
    SetLive({self_});
    co_return Status::Ok();
  }
  clustered_ = true;
  self_ = std::move(registered).value();
  last_renew_ms_ = now;
  co_await RefreshOnce();
  logger_.Info("joined the cluster", {{"node_id", std::to_string(self_.node_id)},
                                      {"live_agents", std::to_string(live_->size())}});
  co_return Status::Ok();
}

void Membership::Start() {
  if (!clustered_ || state_) return;
  state_ = std::make_shared<State>(executor_);
  asio::co_spawn(executor_, Loop(state_), asio::detached);
}

Task<void> Membership::Stop() {
  if (state_) {
    state_->stopped = true;
    state_->timer.cancel();
    state_.reset();
  }
  if (!clustered_) co_return;
  Status gone = co_await store_.DeregisterAgent(self_.node_id);
  if (!gone.ok()) {
    logger_.Warn("could not deregister; the others drop this agent when its lease runs out",
                 {{"error", gone.ToString()}});
  }
}

Task<void> Membership::Loop(std::shared_ptr<State> state) {
  while (!state->stopped) {
    state->timer.expires_after(options_.refresh);
    boost::system::error_code ec;
    co_await state->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (state->stopped) co_return;
    if (clock_.NowMs() - last_renew_ms_ >= options_.lease.count() / 3) co_await RenewOnce();
    if (state->stopped) co_return;
    co_await RefreshOnce();
  }
}

Task<void> Membership::RenewOnce() {
  const int64_t now = clock_.NowMs();
  Status renewed = co_await store_.RenewAgentLease(self_.node_id, now, options_.lease.count());
  if (renewed.ok()) {
    last_renew_ms_ = now;
    co_return;
  }
  if (renewed.code() != StatusCode::kNotFound) {
    logger_.Warn("could not renew the agent lease", {{"error", renewed.ToString()}});
    co_return;
  }
  // Our record expired (a long pause, or the store lost it): join again, under a new node id.
  auto again = co_await store_.RegisterAgent(self_.agent, now, options_.lease.count());
  if (!again.ok()) {
    logger_.Warn("could not re-register after the lease ran out",
                 {{"error", again.status().ToString()}});
    co_return;
  }
  logger_.Warn("agent lease had run out; registered again",
               {{"old_node_id", std::to_string(self_.node_id)},
                {"node_id", std::to_string(again->node_id)}});
  self_ = std::move(again).value();
  last_renew_ms_ = now;
}

Task<void> Membership::RefreshOnce() {
  const int64_t now = clock_.NowMs();
  auto live = co_await store_.ListLiveAgents(now);
  AgentList agents;
  if (live.ok()) {
    agents = std::move(live).value();
  } else {
    // Keep the last view, minus the agents whose lease has run out since.
    for (const auto& agent : *live_) {
      if (agent.lease_expires_ms > now) agents.push_back(agent);
    }
    logger_.Warn("could not read the live agents", {{"error", live.status().ToString()}});
  }
  // This agent serves whatever the store says; clients it answers must see it.
  bool self_listed = false;
  for (auto& agent : agents) {
    if (agent.node_id == self_.node_id) {
      agent = self_;
      self_listed = true;
    }
  }
  if (!self_listed) agents.push_back(self_);
  std::sort(agents.begin(), agents.end(),
            [](const auto& a, const auto& b) { return a.node_id < b.node_id; });
  SetLive(std::move(agents));
}

void Membership::SetLive(AgentList live) {
  live_ = std::make_shared<const AgentList>(std::move(live));
  if (on_refresh_) on_refresh_(*live_);
}

}  // namespace sluice::agent
