// What a jobs agent runs: the planner (active only while it holds the cluster-wide planner
// lease) and a worker, each in its own loop on the agent's event loop, with their counters in the
// agent's metrics registry (sluice_jobs_*).
#pragma once

#include <memory>
#include <string>

#include "common/asio.h"
#include "common/clock.h"
#include "jobs/jobs_options.h"
#include "jobs/output_guard.h"
#include "jobs/planner.h"
#include "jobs/worker.h"
#include "metadata/metadata_store.h"
#include "observability/logger.h"
#include "observability/metrics.h"
#include "storage/object_store.h"

namespace sluice::jobs {

class JobsService {
 public:
  // `owner` names this agent in leases (unique per process start).
  JobsService(asio::any_io_executor executor, metadata::MetadataStore& store,
              storage::ObjectStore& objects, const Clock& clock, obs::Logger& logger,
              obs::MetricsRegistry& metrics, JobsOptions options, std::string owner);
  ~JobsService();

  void Start();
  void Stop();

 private:
  Task<void> PlannerLoop(std::shared_ptr<bool> running);
  Task<void> WorkerLoop(std::shared_ptr<bool> running);
  void Record(const JobReport& report);

  asio::any_io_executor executor_;
  const Clock& clock_;
  obs::Logger& logger_;
  JobsOptions options_;
  GuardedOutputStore worker_objects_;  // the bucket as the worker sees it
  Planner planner_;
  Worker worker_;
  std::shared_ptr<bool> running_;
  std::shared_ptr<asio::steady_timer> planner_timer_;
  std::shared_ptr<asio::steady_timer> worker_timer_;
  bool was_leader_ = false;

  obs::CounterFamily& completed_;
  obs::CounterFamily& failed_;
  obs::Gauge& queued_;
  obs::Gauge& leader_;
  obs::Counter& compacted_objects_;
  obs::Counter& compaction_records_dropped_;
  obs::Counter& compaction_bytes_;
  obs::Counter& deleted_objects_;
  obs::Counter& retention_advances_;
  obs::Counter& orphans_deleted_;
};

}  // namespace sluice::jobs
