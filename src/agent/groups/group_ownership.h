// Which agent owns a consumer group's live state (members, generations). Exactly one agent of a
// cluster owns a group at a time: LeaseGroupOwnership takes a lease in the metadata store;
// LocalGroupOwnership (one agent alone, or a store without leases) owns every group. Committed
// offsets always live in the metadata store, so a new owner needs no hand-over beyond the members
// rejoining. See docs/consumer-groups.md, "Ownership and forwarding".
#pragma once

#include <string>

#include "common/asio.h"
#include "metadata/metadata_store.h"

namespace sluice::agent::groups {

struct GroupOwner {
  enum class Kind {
    kLocal,        // this agent owns the group: handle the request here
    kRemote,       // `agent` owns it: forward the request there
    kUnavailable,  // unknown right now (store unreachable, owner not in the view, shutting down)
  };
  Kind kind = Kind::kUnavailable;
  metadata::AgentRecord agent;  // the owner when kRemote
};

class GroupOwnership {
 public:
  virtual ~GroupOwnership() = default;
  // Finds the group's owner; when nobody owns it, this agent becomes the owner.
  virtual Task<GroupOwner> Resolve(const std::string& group_id) = 0;
  // A forward to the owner failed: forget the cached owner so the next request asks the store.
  virtual void OwnerUnreachable(const std::string& group_id) = 0;
};

// This agent owns every group (a single agent, or a store without group leases).
class LocalGroupOwnership : public GroupOwnership {
 public:
  Task<GroupOwner> Resolve(const std::string&) override {
    co_return GroupOwner{GroupOwner::Kind::kLocal, {}};
  }
  void OwnerUnreachable(const std::string&) override {}
};

}  // namespace sluice::agent::groups
