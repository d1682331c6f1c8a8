#include "jobs/output_guard.h"

namespace sluice::jobs {

Task<Status> GuardedOutputStore::Put(std::string key, Bytes data) {
  const auto started = std::chrono::steady_clock::now();
  Status put = co_await inner_.Put(key, std::move(data));
  if (!put.ok()) co_return put;
  if (fault_delay_.count() > 0) {
    if (logger_ != nullptr) {
      logger_->Warn("fault injection: sleeping between a compaction output and its swap",
                    {{"key", key}, {"delay_ms", static_cast<int64_t>(fault_delay_.count())}});
    }
    asio::steady_timer timer(co_await asio::this_coro::executor, fault_delay_);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  if (max_put_age_.count() > 0 && took > max_put_age_) {
    // Too old to commit safely: the orphan scan may already consider it garbage. Best effort
    // delete; whatever is left is an orphan the scan removes.
    std::vector<std::string> ours{key};
    (void)co_await inner_.Delete(std::move(ours));
    co_return Status::Timeout("output " + key + " took " + std::to_string(took.count()) +
                              " ms from PUT to swap, above " +
                              std::to_string(max_put_age_.count()) +
                              " ms (half -orphanSafetyAge): not committed, the job is retried");
  }
  co_return Status::Ok();
}

}  // namespace sluice::jobs
