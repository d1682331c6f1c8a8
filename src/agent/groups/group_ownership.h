// Which agent coordinates a consumer group. Today every agent coordinates every group it is asked
// about (one coordinator per agent, see docs/consumer-groups.md); a cluster will answer from a
// consistent hash of the live agents. Committed offsets always live in the metadata store, so a
// new owner needs no hand-over beyond the members rejoining.
#pragma once

#include <cstdint>
#include <string>

namespace sluice::agent::groups {

struct CoordinatorAddress {
  int32_t node_id = 0;
  std::string host;
  int32_t port = 0;
};

class GroupOwnership {
 public:
  virtual ~GroupOwnership() = default;
  virtual CoordinatorAddress OwnerOf(const std::string& group_id) const = 0;
  virtual bool IsLocal(const std::string& group_id) const = 0;
};

// Single-agent ownership: this agent owns every group.
class LocalGroupOwnership : public GroupOwnership {
 public:
  explicit LocalGroupOwnership(CoordinatorAddress self) : self_(std::move(self)) {}
  CoordinatorAddress OwnerOf(const std::string&) const override { return self_; }
  bool IsLocal(const std::string&) const override { return true; }
  void set_port(int32_t port) { self_.port = port; }

 private:
  CoordinatorAddress self_;
};

}  // namespace sluice::agent::groups
