#include "jobs/jobs_service.h"

#include "jobs/orphan_scan.h"

namespace sluice::jobs {

namespace {
// Jobs a worker claims at once; it claims again right away while there is work.
constexpr int32_t kJobsPerClaim = 4;
}  // namespace

JobsService::JobsService(asio::any_io_executor executor, metadata::MetadataStore& store,
                         storage::ObjectStore& objects, const Clock& clock, obs::Logger& logger,
                         obs::MetricsRegistry& metrics, JobsOptions options, std::string owner)
    : executor_(executor),
      clock_(clock),
      logger_(logger),
      options_(options),
      worker_objects_(objects, options.orphan_safety_age / 2, options.fault_compaction_delay,
                      &logger),
      planner_(store, options, owner),
      worker_(store, worker_objects_, options, owner, &clock),
      completed_(metrics.AddCounter("sluice_jobs_completed_total",
                                    "Background jobs this agent finished, by kind.", {"kind"})),
      failed_(metrics.AddCounter("sluice_jobs_failed_total",
                                 "Background job attempts that failed (retried after a "
                                 "backoff), by kind.",
                                 {"kind"})),
      queued_(metrics
                  .AddGauge("sluice_jobs_queued",
                            "Jobs in the cluster's queue at the last planning pass (planner only).")
                  .Get()),
      leader_(
          metrics
              .AddGauge("sluice_jobs_planner_leader", "1 while this agent holds the planner lease.")
              .Get()),
      compacted_objects_(metrics
                             .AddCounter("sluice_jobs_compacted_objects_total",
                                         "Input objects merged by compactions of this agent.")
                             .Get()),
      compaction_records_dropped_(
          metrics
              .AddCounter("sluice_jobs_compaction_records_dropped_total",
                          "Records of compacted topics removed by compactions of this agent "
                          "(superseded values and expired tombstones).")
              .Get()),
      compaction_bytes_(metrics
                            .AddCounter("sluice_jobs_compaction_output_bytes_total",
                                        "Bytes of objects written by compactions of this agent.")
                            .Get()),
      deleted_objects_(metrics
                           .AddCounter("sluice_jobs_deleted_objects_total",
                                       "Dead objects deleted from the bucket by this agent.")
                           .Get()),
      retention_advances_(
          metrics
              .AddCounter("sluice_jobs_retention_advances_total",
                          "Partitions whose log start offset retention advanced (this agent).")
              .Get()),
      orphans_deleted_(metrics
                           .AddCounter("sluice_jobs_orphans_deleted_total",
                                       "Objects the metadata store did not know, deleted from the "
                                       "bucket by the orphan scan of this agent.")
                           .Get()) {}

JobsService::~JobsService() { Stop(); }

void JobsService::Start() {
  Stop();
  running_ = std::make_shared<bool>(true);
  planner_timer_ = std::make_shared<asio::steady_timer>(executor_);
  worker_timer_ = std::make_shared<asio::steady_timer>(executor_);
  asio::co_spawn(executor_, PlannerLoop(running_), asio::detached);
  asio::co_spawn(executor_, WorkerLoop(running_), asio::detached);
}

void JobsService::Stop() {
  if (running_) *running_ = false;
  if (planner_timer_) planner_timer_->cancel();
  if (worker_timer_) worker_timer_->cancel();
}

Task<void> JobsService::PlannerLoop(std::shared_ptr<bool> running) {
  auto timer = planner_timer_;
  while (*running) {
    auto stats = co_await planner_.RunOnce(clock_.NowMs());
    if (!*running) break;
    if (!stats.ok()) {
      logger_.Warn("job planning failed", {{"error", stats.status().ToString()}});
    } else {
      if (stats->leader != was_leader_) {
        logger_.Info(stats->leader ? "this agent now plans jobs" : "another agent plans jobs");
        was_leader_ = stats->leader;
      }
      leader_.Set(stats->leader ? 1 : 0);
      if (stats->leader) queued_.Set(stats->queued);
    }
    timer->expires_after(options_.compaction_interval);
    boost::system::error_code ec;
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

Task<void> JobsService::WorkerLoop(std::shared_ptr<bool> running) {
  auto timer = worker_timer_;
  while (*running) {
    auto reports = co_await worker_.RunOnce(clock_.NowMs(), kJobsPerClaim);
    if (!*running) break;
    bool busy = false;
    if (!reports.ok()) {
      logger_.Warn("claiming jobs failed", {{"error", reports.status().ToString()}});
    } else {
      for (const auto& r : *reports) Record(r);
      busy = !reports->empty();
    }
    if (busy) continue;  // more may be queued: claim again at once
    timer->expires_after(options_.worker_poll_interval);
    boost::system::error_code ec;
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

void JobsService::Record(const JobReport& r) {
  if (!r.status.ok()) {
    failed_.WithLabels({r.kind}).Inc();
    logger_.Warn(r.retry_in_ms >= 0 ? "job failed; it is retried after a backoff"
                                    : "job failed; it is retried after its lease",
                 {{"job", r.job_id},
                  {"attempt", std::to_string(r.attempts)},
                  {"retry_in_ms", std::to_string(r.retry_in_ms)},
                  {"error", r.status.ToString()}});
    return;
  }
  if (r.kind == kOrphanScanKind && r.objects_in > 0) {
    orphans_deleted_.Inc(static_cast<uint64_t>(r.objects_in));
    std::string keys;
    for (const auto& k : r.keys) keys += (keys.empty() ? "" : " ") + k;
    logger_.Info("orphan scan deleted objects the metadata store does not know",
                 {{"count", std::to_string(r.objects_in)}, {"keys", keys}});
  }
  completed_.WithLabels({r.kind}).Inc();
  if (r.kind == "compaction") {
    compacted_objects_.Inc(static_cast<uint64_t>(r.objects_in));
    compaction_bytes_.Inc(r.bytes_out);
    compaction_records_dropped_.Inc(static_cast<uint64_t>(r.records_dropped));
  } else if (r.kind == "deletion") {
    deleted_objects_.Inc(static_cast<uint64_t>(r.objects_in));
  } else if (r.kind == "retention") {
    retention_advances_.Inc(static_cast<uint64_t>(r.partitions));
  }
  logger_.Debug("job done", {{"job", r.job_id}});
}

}  // namespace sluice::jobs
