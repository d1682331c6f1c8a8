#include "agent/backlog/backlog_monitor.h"

namespace sluice::agent {

namespace {
constexpr int64_t kWarningIntervalMs = 60000;

std::string JobsAdvice(int jobs_agents) {
  if (jobs_agents <= 0) {
    return "no live agent runs the jobs role: a jobs agent is needed to compact the backlog; start "
           "one with -roles jobs (or proxy,jobs)";
  }
  return std::to_string(jobs_agents) +
         " jobs agent(s) do not keep up with compaction: add agents with -roles jobs";
}
}  // namespace

BacklogMonitor::BacklogMonitor(asio::any_io_executor executor, metadata::MetadataStore& store,
                               const Clock& clock, obs::Logger& logger,
                               obs::MetricsRegistry& metrics, BacklogLimits limits,
                               std::function<int()> live_jobs_agents,
                               std::chrono::milliseconds interval)
    : executor_(std::move(executor)),
      store_(store),
      clock_(clock),
      logger_(logger),
      limits_(limits),
      live_jobs_agents_(std::move(live_jobs_agents)),
      interval_(interval),
      objects_(metrics
                   .AddGauge("sluice_backlog_uncompacted_objects",
                             "Live level-0 segment objects (one per flush) not compacted yet.")
                   .Get()),
      bytes_(metrics
                 .AddGauge("sluice_backlog_uncompacted_bytes",
                           "Bytes of the live level-0 segment objects not compacted yet.")
                 .Get()),
      pending_jobs_(
          metrics.AddGauge("sluice_backlog_pending_jobs", "Queued background jobs, running or not.")
              .Get()),
      oldest_job_seconds_(metrics
                              .AddGauge("sluice_backlog_oldest_pending_job_seconds",
                                        "Age of the oldest queued background job (0 when none).")
                              .Get()),
      state_gauge_(metrics
                       .AddGauge("sluice_backlog_state",
                                 "Produce admission by backlog: 0 ok, 1 throttling (answers "
                                 "delayed), 2 refusing (NOT_ENOUGH_REPLICAS, retriable).")
                       .Get()),
      throttled_(metrics
                     .AddCounter("sluice_produce_throttled_total",
                                 "Produce requests slowed because of the backlog (the answer is "
                                 "held and carries throttle_time_ms).")
                     .Get()),
      refused_(metrics.AddCounter(
          "sluice_produce_refused_total",
          "Produce requests refused before anything was written, by reason (uncompacted_objects "
          "or uncompacted_bytes over their refuse limit).",
          {"reason"})) {}

BacklogMonitor::~BacklogMonitor() { Stop(); }

void BacklogMonitor::Start() {
  if (running_) return;
  running_ = std::make_shared<bool>(true);
  timer_ = std::make_shared<asio::steady_timer>(executor_);
  asio::co_spawn(executor_, Loop(running_), asio::detached);
}

void BacklogMonitor::Stop() {
  if (!running_) return;
  *running_ = false;
  timer_->cancel();
  running_.reset();
}

Task<void> BacklogMonitor::Loop(std::shared_ptr<bool> running) {
  auto timer = timer_;
  while (*running) {
    Status refreshed = co_await RefreshOnce();
    if (!*running) co_return;
    const int64_t now = clock_.NowMs();
    if (!refreshed.ok() && now - last_store_error_ms_ >= kWarningIntervalMs) {
      last_store_error_ms_ = now;
      logger_.Warn("backlog: cannot read the metadata store; keeping the last state",
                   {{"error", refreshed.ToString()}, {"state", BacklogStateName(state_)}});
    }
    timer->expires_after(interval_);
    boost::system::error_code ec;
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

Task<Status> BacklogMonitor::RefreshOnce() {
  auto stats = co_await store_.GetBacklogStats(clock_.NowMs());
  if (!stats.ok()) co_return stats.status();
  Apply(*stats);
  co_return Status::Ok();
}

void BacklogMonitor::Apply(const metadata::BacklogStats& stats) {
  stats_ = stats;
  objects_.Set(static_cast<double>(stats.uncompacted_objects));
  bytes_.Set(static_cast<double>(stats.uncompacted_bytes));
  pending_jobs_.Set(static_cast<double>(stats.pending_jobs));
  oldest_job_seconds_.Set(static_cast<double>(stats.oldest_pending_job_age_ms) / 1000.0);

  const BacklogState before = state_;
  state_ = NextBacklogState(state_, stats, limits_);
  state_gauge_.Set(static_cast<double>(state_));
  if (state_ == BacklogState::kOk) {
    if (before != BacklogState::kOk) {
      logger_.Info("backlog: under its limits again; produce is admitted normally",
                   {{"uncompacted_objects", stats.uncompacted_objects},
                    {"uncompacted_bytes", stats.uncompacted_bytes}});
    }
    last_warning_ms_ = 0;
    return;
  }
  WarnWhileOverLimit(state_ > before);
}

// At once when the state gets worse, then once a minute while it lasts.
void BacklogMonitor::WarnWhileOverLimit(bool state_rose) {
  const int64_t now = clock_.NowMs();
  if (!state_rose && last_warning_ms_ != 0 && now - last_warning_ms_ < kWarningIntervalMs) return;
  last_warning_ms_ = now;
  const int jobs_agents = live_jobs_agents_ ? live_jobs_agents_() : 0;
  const std::string what = state_ == BacklogState::kRefusing
                               ? "backlog over its refuse limit: produce is refused (retriable)"
                               : "backlog over its throttle limit: produce is slowed";
  logger_.Warn(what + "; " + JobsAdvice(jobs_agents),
               {{"uncompacted_objects", stats_.uncompacted_objects},
                {"uncompacted_bytes", stats_.uncompacted_bytes},
                {"pending_jobs", stats_.pending_jobs},
                {"oldest_pending_job_ms", stats_.oldest_pending_job_age_ms},
                {"jobs_agents", jobs_agents}});
}

BacklogDecision BacklogMonitor::Admit() {
  BacklogDecision decision;
  decision.state = state_;
  if (state_ == BacklogState::kThrottling) {
    decision.throttle = ThrottleDelay(stats_, limits_);
    throttled_.Inc();
  } else if (state_ == BacklogState::kRefusing) {
    const std::string_view reason = BacklogReason(stats_, limits_);
    refused_.WithLabels({std::string(reason)}).Inc();
    decision.message = "produce refused: " + std::to_string(stats_.uncompacted_objects) +
                       " uncompacted objects (" + std::to_string(stats_.uncompacted_bytes) +
                       " bytes) wait for compaction; retry later (" +
                       JobsAdvice(live_jobs_agents_ ? live_jobs_agents_() : 0) + ")";
  }
  return decision;
}

}  // namespace sluice::agent
