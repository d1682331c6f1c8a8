// Group ownership by leases in the metadata store: exactly one live agent of the cluster owns a
// group. The first agent that needs a group nobody owns takes its lease (AcquireGroupLease) and
// keeps it by renewing every lease/3; an agent that can no longer renew a lease (it lost it, or
// the store was unreachable for too long) unloads the group's in-memory state, so two agents never
// act as its coordinator at once for longer than clock skew allows. Other agents cache who owns a
// group for lease/3 and forward requests there. A store without group leases (Unimplemented) makes
// this agent own every group, as LocalGroupOwnership does.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/cluster/cluster_view.h"
#include "agent/groups/group_coordinator.h"
#include "agent/groups/group_ownership.h"
#include "common/asio.h"
#include "common/clock.h"
#include "common/status.h"
#include "metadata/metadata_store.h"

namespace sluice::obs {
class Logger;
}  // namespace sluice::obs

namespace sluice::agent::groups {

// The store's group-lease calls (MetadataStore's AcquireGroupLease, RenewGroupLeases,
// ReleaseGroupLeases), behind a narrow interface that tests fake.
class GroupLeaseStore {
 public:
  virtual ~GroupLeaseStore() = default;
  virtual Task<Result<int32_t>> Acquire(const std::string& group, int32_t node_id, int64_t now_ms,
                                        int64_t lease_ms) = 0;
  virtual Task<Result<std::vector<std::string>>> Renew(int32_t node_id, int64_t now_ms,
                                                       int64_t lease_ms) = 0;
  // An empty group releases every lease node_id holds.
  virtual Task<Status> Release(int32_t node_id, const std::string& group) = 0;
};

class MetadataGroupLeaseStore : public GroupLeaseStore {
 public:
  explicit MetadataGroupLeaseStore(metadata::MetadataStore& store) : store_(store) {}
  Task<Result<int32_t>> Acquire(const std::string& group, int32_t node_id, int64_t now_ms,
                                int64_t lease_ms) override;
  Task<Result<std::vector<std::string>>> Renew(int32_t node_id, int64_t now_ms,
                                               int64_t lease_ms) override;
  Task<Status> Release(int32_t node_id, const std::string& group) override;

 private:
  metadata::MetadataStore& store_;
};

struct LeaseOwnershipOptions {
  std::chrono::milliseconds lease{10000};  // -groupLeaseDuration
};

class LeaseGroupOwnership : public GroupOwnership {
 public:
  // All references must outlive this object; everything runs on the agent's event loop.
  LeaseGroupOwnership(GroupLeaseStore& leases, const ClusterView& cluster,
                      GroupCoordinator& coordinator, const Clock& clock,
                      LeaseOwnershipOptions options, obs::Logger* logger = nullptr);

  Task<GroupOwner> Resolve(const std::string& group_id) override;
  void OwnerUnreachable(const std::string& group_id) override;

  // One renewal round: extends every held lease and unloads the groups no longer held. The loop
  // started by Start() runs it every lease/3; tests call it directly.
  Task<void> RenewOnce();
  void Start(asio::any_io_executor executor);
  // Stops renewing, unloads every group (long polls answer NOT_COORDINATOR) and releases every
  // lease so that a surviving agent takes the groups over at once. Resolve then answers
  // kUnavailable.
  Task<void> Stop();

  // The groups this agent holds a lease on (without leases: those with live state), sorted.
  std::vector<std::string> OwnedGroups() const;
  // False once the store said it keeps no group leases: every group is local from then on.
  bool leases_supported() const { return leases_supported_; }

 private:
  struct Held {
    int64_t valid_until_ms = 0;  // this agent stops acting as owner after this (own clock)
    uint64_t acquired_seq = 0;   // orders acquisitions against renewal rounds
  };
  struct CachedOwner {
    int32_t node_id = -1;
    int64_t checked_ms = 0;
  };

  Task<void> RenewLoop();
  void Lose(const std::string& group_id, const char* why);
  std::optional<metadata::AgentRecord> LiveAgent(int32_t node_id) const;
  int64_t lease_ms() const { return options_.lease.count(); }
  // A lease is trusted for 4/5 of its length, leaving room for clock skew between agents.
  int64_t trusted_ms() const { return lease_ms() - lease_ms() / 5; }
  int64_t cache_ttl_ms() const { return std::max<int64_t>(1, lease_ms() / 3); }

  GroupLeaseStore& leases_;
  const ClusterView& cluster_;
  GroupCoordinator& coordinator_;
  const Clock& clock_;
  LeaseOwnershipOptions options_;
  obs::Logger* logger_;
  std::map<std::string, Held> held_;
  std::map<std::string, CachedOwner> remote_;
  uint64_t seq_ = 0;
  bool leases_supported_ = true;
  bool stopped_ = false;
  std::unique_ptr<asio::steady_timer> timer_;
};

}  // namespace sluice::agent::groups
