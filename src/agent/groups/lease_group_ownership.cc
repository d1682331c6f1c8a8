#include "agent/groups/lease_group_ownership.h"

#include <algorithm>
#include <set>

#include "observability/logger.h"

namespace sluice::agent::groups {

namespace {

GroupOwner Local() { return GroupOwner{GroupOwner::Kind::kLocal, {}}; }
GroupOwner Unavailable() { return GroupOwner{GroupOwner::Kind::kUnavailable, {}}; }

}  // namespace

Task<Result<int32_t>> MetadataGroupLeaseStore::Acquire(const std::string& group, int32_t node_id,
                                                       int64_t now_ms, int64_t lease_ms) {
  co_return co_await store_.AcquireGroupLease(group, node_id, now_ms, lease_ms);
}

Task<Result<std::vector<std::string>>> MetadataGroupLeaseStore::Renew(int32_t node_id,
                                                                      int64_t now_ms,
                                                                      int64_t lease_ms) {
  co_return co_await store_.RenewGroupLeases(node_id, now_ms, lease_ms);
}

Task<Status> MetadataGroupLeaseStore::Release(int32_t node_id, const std::string& group) {
  co_return co_await store_.ReleaseGroupLeases(node_id, group);
}

LeaseGroupOwnership::LeaseGroupOwnership(GroupLeaseStore& leases, const ClusterView& cluster,
                                         GroupCoordinator& coordinator, const Clock& clock,
                                         LeaseOwnershipOptions options, obs::Logger* logger)
    : leases_(leases),
      cluster_(cluster),
      coordinator_(coordinator),
      clock_(clock),
      options_(options),
      logger_(logger) {}

std::optional<metadata::AgentRecord> LeaseGroupOwnership::LiveAgent(int32_t node_id) const {
  auto live = cluster_.LiveAgents();
  for (const auto& agent : *live) {
    if (agent.node_id == node_id) return agent;
  }
  return std::nullopt;
}

Task<GroupOwner> LeaseGroupOwnership::Resolve(const std::string& group_id) {
  if (stopped_) co_return Unavailable();
  if (!leases_supported_) co_return Local();
  const int64_t now = clock_.NowMs();
  if (auto it = held_.find(group_id); it != held_.end() && it->second.valid_until_ms > now) {
    co_return Local();
  }
  if (auto it = remote_.find(group_id);
      it != remote_.end() && now - it->second.checked_ms < cache_ttl_ms()) {
    if (auto agent = LiveAgent(it->second.node_id)) {
      co_return GroupOwner{GroupOwner::Kind::kRemote, std::move(*agent)};
    }
  }
  const int32_t self = cluster_.Self().node_id;
  const uint64_t seq = ++seq_;
  auto owner = co_await leases_.Acquire(group_id, self, now, lease_ms());
  if (stopped_) co_return Unavailable();
  if (!owner.ok()) {
    if (owner.status().code() == StatusCode::kUnimplemented) {
      if (logger_)
        logger_->Info("metadata store keeps no group leases: this agent owns every group");
      leases_supported_ = false;
      co_return Local();
    }
    if (logger_) {
      logger_->Warn("group lease lookup failed",
                    {{"group", group_id}, {"error", owner.status().ToString()}});
    }
    co_return Unavailable();
  }
  if (*owner == self) {
    remote_.erase(group_id);
    auto [it, inserted] = held_.try_emplace(group_id);
    it->second.valid_until_ms = now + trusted_ms();
    it->second.acquired_seq = seq;
    if (inserted && logger_) logger_->Info("took over consumer group", {{"group", group_id}});
    co_return Local();
  }
  if (held_.count(group_id)) Lose(group_id, "another agent holds its lease");
  remote_[group_id] = CachedOwner{*owner, now};
  if (auto agent = LiveAgent(*owner)) {
    co_return GroupOwner{GroupOwner::Kind::kRemote, std::move(*agent)};
  }
  co_return Unavailable();  // our view of the live agents lags the store's
}

void LeaseGroupOwnership::OwnerUnreachable(const std::string& group_id) { remote_.erase(group_id); }

void LeaseGroupOwnership::Lose(const std::string& group_id, const char* why) {
  held_.erase(group_id);
  coordinator_.Unload(group_id);
  if (logger_) logger_->Warn("gave up consumer group", {{"group", group_id}, {"reason", why}});
}

Task<void> LeaseGroupOwnership::RenewOnce() {
  if (stopped_ || !leases_supported_) co_return;
  const int64_t now = clock_.NowMs();
  std::erase_if(remote_,
                [&](const auto& entry) { return now - entry.second.checked_ms >= cache_ttl_ms(); });
  if (held_.empty()) co_return;
  // Leases acquired while the renewal is in flight are not in its answer; they are kept.
  const uint64_t seq = seq_;
  auto kept = co_await leases_.Renew(cluster_.Self().node_id, now, lease_ms());
  if (stopped_) co_return;
  std::vector<std::string> lost;
  if (kept.ok()) {
    const std::set<std::string> still(kept->begin(), kept->end());
    for (auto& [group_id, held] : held_) {
      if (still.count(group_id)) {
        held.valid_until_ms = std::max(held.valid_until_ms, now + trusted_ms());
      } else if (held.acquired_seq <= seq) {
        lost.push_back(group_id);
      }
    }
    for (const auto& group_id : lost) Lose(group_id, "lease taken by another agent");
  } else if (kept.status().code() == StatusCode::kUnimplemented) {
    leases_supported_ = false;
    co_return;
  } else if (logger_) {
    logger_->Warn("renewing group leases failed", {{"error", kept.status().ToString()}});
  }
  // Without a renewal the leases run out: stop acting as owner before another agent may start.
  const int64_t after = clock_.NowMs();
  lost.clear();
  for (const auto& [group_id, held] : held_) {
    if (held.valid_until_ms <= after) lost.push_back(group_id);
  }
  for (const auto& group_id : lost) Lose(group_id, "lease could not be renewed in time");
}

void LeaseGroupOwnership::Start(asio::any_io_executor executor) {
  timer_ = std::make_unique<asio::steady_timer>(executor);
  asio::co_spawn(executor, RenewLoop(), asio::detached);
}

Task<void> LeaseGroupOwnership::RenewLoop() {
  while (!stopped_) {
    timer_->expires_after(std::chrono::milliseconds(cache_ttl_ms()));
    boost::system::error_code ec;
    co_await timer_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopped_) break;
    co_await RenewOnce();
  }
}

Task<void> LeaseGroupOwnership::Stop() {
  if (stopped_) co_return;
  stopped_ = true;
  if (timer_) timer_->cancel();
  coordinator_.UnloadAll();
  const bool held_any = !held_.empty();
  held_.clear();
  remote_.clear();
  if (!leases_supported_ || !held_any) co_return;
  Status released = co_await leases_.Release(cluster_.Self().node_id, "");
  if (!released.ok() && logger_) {
    logger_->Warn("releasing group leases failed; they expire on their own",
                  {{"error", released.ToString()}});
  }
}

std::vector<std::string> LeaseGroupOwnership::OwnedGroups() const {
  std::vector<std::string> out;
  if (!leases_supported_) {  // every group is ours: those with live state
    for (const auto& g : coordinator_.List()) out.push_back(g.group_id);
    return out;
  }
  for (const auto& [group_id, held] : held_) out.push_back(group_id);
  return out;
}

}  // namespace sluice::agent::groups
