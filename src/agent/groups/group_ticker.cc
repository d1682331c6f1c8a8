#include "agent/groups/group_ticker.h"

namespace sluice::agent::groups {

GroupTicker::GroupTicker(asio::any_io_executor ex, GroupCoordinator& coordinator,
                         std::chrono::milliseconds period)
    : timer_(ex), coordinator_(coordinator), period_(period) {}

GroupTicker::~GroupTicker() {
  *alive_ = false;
  timer_.cancel();
}

void GroupTicker::Start() {
  stopped_ = false;
  Schedule();
}

void GroupTicker::Stop() {
  stopped_ = true;
  timer_.cancel();
}

void GroupTicker::Schedule() {
  timer_.expires_after(period_);
  // `alive` guards against a handler running after the ticker is gone.
  timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (ec || !*alive || stopped_) return;
    coordinator_.Tick();
    Schedule();
  });
}

}  // namespace sluice::agent::groups
