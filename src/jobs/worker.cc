#include "jobs/worker.h"

#include "jobs/compaction.h"
#include "jobs/deletion.h"
#include "jobs/job_kinds.h"
#include "jobs/retention.h"

namespace sluice::jobs {

Task<JobReport> Worker::Run(const metadata::ClaimedJob& job, int64_t now_ms) {
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
  for (const auto& job : *claimed) reports.push_back(co_await Run(job, now_ms));
  co_return reports;
}

}  // namespace sluice::jobs
