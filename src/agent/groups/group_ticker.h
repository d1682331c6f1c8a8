// Drives GroupCoordinator::Tick() from an asio steady_timer on the agent's event loop, so session
// timeouts and rebalance deadlines fire without any request arriving.
#pragma once

#include <chrono>
#include <memory>

#include "agent/groups/group_coordinator.h"
#include "common/asio.h"

namespace sluice::agent::groups {

class GroupTicker {
 public:
  GroupTicker(asio::any_io_executor ex, GroupCoordinator& coordinator,
              std::chrono::milliseconds period);
  ~GroupTicker();
  void Start();
  void Stop();

 private:
  void Schedule();

  asio::steady_timer timer_;
  GroupCoordinator& coordinator_;
  std::chrono::milliseconds period_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool stopped_ = false;
};

}  // namespace sluice::agent::groups
