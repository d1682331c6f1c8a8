// BacklogMonitor: on every agent that takes produce, reads the backlog from the metadata store
// about once a second (one query), exports it in /metrics and decides, per produce request,
// whether to admit it, slow it or refuse it (docs/jobs.md "Backlog"). While the backlog is over a
// limit it warns once a minute that jobs agents are missing or not keeping up.
//
// Families: sluice_backlog_uncompacted_objects, sluice_backlog_uncompacted_bytes,
// sluice_backlog_pending_jobs, sluice_backlog_oldest_pending_job_seconds, sluice_backlog_state
// (0 ok, 1 throttling, 2 refusing), sluice_produce_throttled_total,
// sluice_produce_refused_total{reason}.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "agent/backlog/backlog_limits.h"
#include "common/asio.h"
#include "common/clock.h"
#include "metadata/metadata_store.h"
#include "observability/logger.h"
#include "observability/metrics.h"

namespace sluice::agent {

// What the produce path does with one request.
struct BacklogDecision {
  BacklogState state = BacklogState::kOk;
  std::chrono::milliseconds throttle{0};  // > 0 while throttling: hold the answer this long
  std::string message;                    // why, for the refused request's error message
  bool refused() const { return state == BacklogState::kRefusing; }
};

class BacklogMonitor {
 public:
  // `live_jobs_agents` counts the live agents running the jobs role (for the warning's advice);
  // everything runs on `executor`.
  BacklogMonitor(asio::any_io_executor executor, metadata::MetadataStore& store, const Clock& clock,
                 obs::Logger& logger, obs::MetricsRegistry& metrics, BacklogLimits limits,
                 std::function<int()> live_jobs_agents,
                 std::chrono::milliseconds interval = std::chrono::seconds(1));
  ~BacklogMonitor();

  void Start();
  void Stop();
  // One refresh from the store. On a store error the state is kept (produce fails on its own
  // when the store is down) and the error returned.
  Task<Status> RefreshOnce();
  // Moves the state machine and the gauges to `stats`; logs. Public for tests.
  void Apply(const metadata::BacklogStats& stats);

  // Asked once per produce request (Kafka or HTTP) before anything is buffered; counts the
  // throttled and refused requests.
  BacklogDecision Admit();

  BacklogState state() const { return state_; }
  const metadata::BacklogStats& stats() const { return stats_; }

 private:
  Task<void> Loop(std::shared_ptr<bool> running);
  void WarnWhileOverLimit(bool state_rose);

  asio::any_io_executor executor_;
  metadata::MetadataStore& store_;
  const Clock& clock_;
  obs::Logger& logger_;
  BacklogLimits limits_;
  std::function<int()> live_jobs_agents_;
  std::chrono::milliseconds interval_;
  std::shared_ptr<bool> running_;
  std::shared_ptr<asio::steady_timer> timer_;

  BacklogState state_ = BacklogState::kOk;
  metadata::BacklogStats stats_;
  int64_t last_warning_ms_ = 0;
  int64_t last_store_error_ms_ = 0;

  obs::Gauge& objects_;
  obs::Gauge& bytes_;
  obs::Gauge& pending_jobs_;
  obs::Gauge& oldest_job_seconds_;
  obs::Gauge& state_gauge_;
  obs::Counter& throttled_;
  obs::CounterFamily& refused_;
};

}  // namespace sluice::agent
