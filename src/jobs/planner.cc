#include "jobs/planner.h"

#include <set>

#include "jobs/compaction_plan.h"
#include "jobs/job_kinds.h"
#include "jobs/orphan_scan.h"

namespace sluice::jobs {

namespace {
// The planner looks at this many live objects per pass; the rest waits for the next pass.
constexpr int32_t kMaxObjectsPerPass = 100000;
}  // namespace

Task<Result<PlanStats>> Planner::RunOnce(int64_t now_ms) {
  PlanStats stats;
  auto leader =
      co_await store_.AcquireLease(kPlannerLease, owner_, now_ms, options_.planner_lease.count());
  if (!leader.ok()) co_return leader.status();
  stats.leader = *leader;
  if (!stats.leader) co_return stats;

  auto queued = co_await store_.ListJobs();
  if (!queued.ok()) co_return queued.status();
  stats.queued = static_cast<int32_t>(queued->size());
  std::set<std::string> busy;
  std::set<std::string> queued_ids;
  for (const auto& job : *queued) {
    queued_ids.insert(job.job_id);
    if (job.kind != kCompactionKind) continue;
    auto decoded = DecodeCompactionJob(job.payload);
    if (!decoded.ok()) continue;  // a worker reports it; its objects are not worth blocking
    for (const auto& in : decoded->inputs) busy.insert(in.object_id);
  }

  std::vector<metadata::JobSpec> specs;
  auto live = co_await store_.ListLiveObjects(kMaxObjectsPerPass);
  if (!live.ok()) co_return live.status();
  for (auto& job :
       PlanCompactions(*live, busy, options_, now_ms, [&] { return ids_.Next(now_ms); })) {
    specs.push_back(
        {CompactionJobId(job.output_object_id), kCompactionKind, EncodeCompactionJob(job)});
    stats.compactions++;
  }

  if (now_ms - last_retention_ms_ >= options_.retention_interval.count()) {
    auto topics = co_await store_.ListTopics();
    if (!topics.ok()) co_return topics.status();
    for (const auto& topic : *topics) {
      std::string id = RetentionJobId(topic.name);
      if (queued_ids.contains(id)) continue;
      specs.push_back({std::move(id), kRetentionKind, topic.name});
      stats.retentions++;
    }
    last_retention_ms_ = now_ms;
  }

  if (!queued_ids.contains(kDeletionJobId)) {
    auto due = co_await store_.ListDeadObjects(now_ms - options_.deletion_grace_period.count(), 1);
    if (!due.ok()) co_return due.status();
    if (!due->empty()) {
      specs.push_back({kDeletionJobId, kDeletionKind, ""});
      stats.deletions++;
    }
  }

  if (now_ms - last_orphan_scan_ms_ >= options_.orphan_scan_interval.count()) {
    if (!queued_ids.contains(kOrphanScanJobId)) {
      specs.push_back({kOrphanScanJobId, kOrphanScanKind, ""});
      stats.orphan_scans++;
    }
    last_orphan_scan_ms_ = now_ms;
  }

  if (!specs.empty()) {
    Status enqueued = co_await store_.EnqueueJobs(std::move(specs), now_ms);
    if (!enqueued.ok()) co_return enqueued;
  }
  co_return stats;
}

}  // namespace sluice::jobs
