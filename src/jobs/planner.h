// The job planner: at most one in the cluster at a time, under the store's "planner" lease.
// Each pass turns store state into queued jobs: compactions (compaction_plan.h), one retention
// job per topic every retention interval, and a deletion job when dead objects are due.
#pragma once

#include <cstdint>
#include <string>

#include "common/asio.h"
#include "common/status.h"
#include "common/ulid.h"
#include "jobs/jobs_options.h"
#include "metadata/metadata_store.h"

namespace sluice::jobs {

struct PlanStats {
  bool leader = false;  // this planner held the lease for the pass
  int32_t compactions = 0;
  int32_t retentions = 0;
  int32_t deletions = 0;
  int32_t orphan_scans = 0;
  int32_t queued = 0;  // jobs in the queue before the pass
};

class Planner {
 public:
  Planner(metadata::MetadataStore& store, JobsOptions options, std::string owner)
      : store_(store), options_(std::move(options)), owner_(std::move(owner)) {}

  Task<Result<PlanStats>> RunOnce(int64_t now_ms);

 private:
  metadata::MetadataStore& store_;
  JobsOptions options_;
  std::string owner_;
  UlidGenerator ids_;
  int64_t last_retention_ms_ = 0;
  int64_t last_orphan_scan_ms_ = 0;
};

inline constexpr char kPlannerLease[] = "planner";

}  // namespace sluice::jobs
