#include "jobs/worker.h"

#include <algorithm>

#include "jobs/compaction.h"
#include "jobs/deletion.h"
#include "jobs/job_kinds.h"
#include "jobs/orphan_scan.h"
#include "jobs/retention.h"

namespace sluice::jobs {

int64_t Worker::RetryDelayMs(const JobsOptions& options, int32_t attempt) {
  const int64_t lease = options.job_lease.count();
  int64_t delay = std::max<int64_t>(options.job_retry_backoff.count(), 1);
  for (int32_t i = 1; i < attempt && delay < lease; ++i) delay *= 2;
  return std::min(delay, lease);
}

// A failed attempt gives its job back with a backoff instead of sitting out its whole lease.
Task<JobReport> Worker::Run(const metadata::ClaimedJob& job, int64_t now_ms) {
  JobReport report = co_await RunKind(job, now_ms);
  if (report.status.ok()) co_return report;
  const int64_t delay = RetryDelayMs(options_, job.attempts);
  const int64_t failed_at = clock_ != nullptr ? clock_->NowMs() : now_ms;
  // Conflict: our lease ran out and the job is someone else's now; it then retries anyway.
  Status released = co_await store_.ReleaseJob(job.job_id, owner_, failed_at + delay);
  if (released.ok()) report.retry_in_ms = delay;
  co_return report;
}

Task<JobReport> Worker::RunKind(const metadata::ClaimedJob& job, int64_t now_ms) {
  JobReport report;
  report.job_id = job.job_id;
  report.kind = job.kind;
  report.attempts = job.attempts;
  if (job.kind == kCompactionKind) {
    auto decoded = DecodeCompactionJob(job.payload);
    if (!decoded.ok()) {
      report.status = decoded.status();
      co_return report;
    }
    auto stats = co_await RunCompaction(*decoded, job.attempts, options_.object_key_prefix, store_,
                                        objects_, now_ms);
    if (!stats.ok()) {
      report.status = stats.status();
      co_return report;
    }
    report.objects_in = stats->already_committed ? 0 : stats->inputs;
    report.bytes_out = stats->output_bytes;
    report.records_dropped = stats->already_committed ? 0 : stats->records_dropped;
  } else if (job.kind == kRetentionKind) {
    auto stats = co_await RunRetention(job.payload, store_, options_, now_ms);
    if (!stats.ok()) {
      report.status = stats.status();
      co_return report;
    }
    report.partitions = stats->partitions_advanced;
  } else if (job.kind == kDeletionKind) {
    auto stats =
        co_await RunDeletion(store_, objects_, now_ms, options_.deletion_grace_period.count());
    if (!stats.ok()) {
      report.status = stats.status();
      co_return report;
    }
    report.objects_in = stats->objects_deleted;
  } else if (job.kind == kOrphanScanKind) {
    auto stats = co_await RunOrphanScan(store_, objects_, options_.object_key_prefix, now_ms,
                                        options_.orphan_safety_age.count());
    if (!stats.ok()) {
      report.status = stats.status();
      co_return report;
    }
    report.objects_in = stats->orphans_deleted;
    report.keys = std::move(stats->deleted_keys);
  } else {
    report.status = Status::InvalidArgument("unknown job kind '" + job.kind + "'");
    co_return report;
  }
  // Done: drop it from the queue. A Conflict means our lease ran out and another worker holds
  // the job; it will find the work done.
  Status finished = co_await store_.FinishJob(job.job_id, owner_);
  if (!finished.ok() && finished.code() != StatusCode::kConflict) report.status = finished;
  co_return report;
}

Task<Result<std::vector<JobReport>>> Worker::RunOnce(int64_t now_ms, int32_t max_jobs) {
  auto claimed = co_await store_.ClaimJobs(owner_, max_jobs, now_ms, options_.job_lease.count());
  if (!claimed.ok()) co_return claimed.status();
  std::vector<JobReport> reports;
  for (const auto& job : *claimed) {
    // Jobs run one after another: each acts at its own start, not at the claim (a compaction
    // behind a slow job would otherwise date its dead inputs early and shorten their grace).
    const int64_t at = clock_ != nullptr ? std::max(now_ms, clock_->NowMs()) : now_ms;
    reports.push_back(co_await Run(job, at));
  }
  co_return reports;
}

}  // namespace sluice::jobs
