#include "agent/groups/offset_expiry.h"

namespace sluice::agent::groups {

OffsetExpiry::OffsetExpiry(metadata::MetadataStore& store, const GroupCoordinator& groups,
                           const Clock& clock, int64_t retention_ms)
    : store_(store), groups_(groups), clock_(clock), retention_ms_(retention_ms) {}

OffsetExpiry::~OffsetExpiry() { Stop(); }

Task<Result<int64_t>> OffsetExpiry::Sweep() {
  auto group_ids = co_await store_.ListGroupsWithOffsets();
  if (!group_ids.ok()) co_return group_ids.status();
  int64_t deleted = 0;
  for (const auto& group_id : *group_ids) {
    auto described = groups_.Describe(group_id);
    if (described && !described->members.empty()) continue;
    auto offsets = co_await store_.FetchOffsets(group_id);
    if (!offsets.ok()) co_return offsets.status();
    const int64_t cutoff = clock_.NowMs() - retention_ms_;
    std::vector<std::pair<std::string, int32_t>> expired;
    for (const auto& [key, committed] : *offsets) {
      if (committed.commit_time_ms < cutoff) expired.push_back(key);
    }
    if (expired.empty()) continue;
    // Members may have joined while the store answered: check again before deleting.
    described = groups_.Describe(group_id);
    if (described && !described->members.empty()) continue;
    const auto count = static_cast<int64_t>(expired.size());
    Status status = co_await store_.DeleteOffsets(group_id, std::move(expired));
    if (!status.ok()) co_return status;
    deleted += count;
  }
  co_return deleted;
}

void OffsetExpiry::Start(asio::any_io_executor ex, std::chrono::milliseconds period) {
  Stop();
  running_ = std::make_shared<bool>(true);
  timer_ = std::make_shared<asio::steady_timer>(ex);
  asio::co_spawn(ex, Loop(ex, period, running_), asio::detached);
}

void OffsetExpiry::Stop() {
  if (running_) *running_ = false;
  if (timer_) timer_->cancel();
}

Task<void> OffsetExpiry::Loop(asio::any_io_executor, std::chrono::milliseconds period,
                              std::shared_ptr<bool> running) {
  auto timer = timer_;
  while (*running) {
    timer->expires_after(period);
    boost::system::error_code ec;
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (!*running) break;
    co_await Sweep();  // a failed sweep is retried at the next period
  }
}

}  // namespace sluice::agent::groups
