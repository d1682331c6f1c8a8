#include "agent/txn/txn_reaper.h"

namespace sluice::agent {

namespace {
constexpr const char* kReaperLease = "txn-reaper";
}  // namespace

TxnReaper::TxnReaper(metadata::MetadataStore& store, const Clock& clock, TxnReaperOptions options,
                     MarkersWritten markers_written)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      markers_written_(std::move(markers_written)) {}

Task<Result<TxnReaperStats>> TxnReaper::RunOnce() {
  TxnReaperStats stats;
  const int64_t now = clock_.NowMs();
  SLUICE_CO_ASSIGN_OR_RETURN(
      bool leader,
      co_await store_.AcquireLease(kReaperLease, options_.owner, now, options_.lease.count()));
  stats.leader = leader;
  if (!leader) co_return stats;
  // A bounded number of batches per round keeps one round short even after a long outage.
  for (int round = 0; round < 10; ++round) {
    SLUICE_CO_ASSIGN_OR_RETURN(auto aborted,
                               co_await store_.AbortExpiredTransactions(now, options_.abort_batch));
    for (const auto& abort : aborted) {
      if (!abort.markers.empty() && markers_written_) markers_written_(abort.markers);
    }
    stats.aborted += static_cast<int32_t>(aborted.size());
    if (static_cast<int32_t>(aborted.size()) < options_.abort_batch) break;
  }
  if (last_expiry_ms_ < 0 || now - last_expiry_ms_ >= options_.expiry_interval.count()) {
    SLUICE_CO_ASSIGN_OR_RETURN(
        stats.expired_ids,
        co_await store_.ExpireTransactionalIds(now - options_.transactional_id_expiration.count()));
    last_expiry_ms_ = now;
  }
  co_return stats;
}

Task<void> TxnReaper::Run() {
  auto stopped = stopped_;
  timer_ = std::make_unique<asio::steady_timer>(co_await asio::this_coro::executor);
  while (!*stopped) {
    (void)co_await RunOnce();  // errors (store unreachable): try again next round
    if (*stopped) break;
    timer_->expires_after(options_.interval);
    boost::system::error_code ec;
    co_await timer_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

void TxnReaper::Stop() {
  *stopped_ = true;
  if (timer_) timer_->cancel();
}

}  // namespace sluice::agent
