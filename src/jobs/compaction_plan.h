// Chooses which live objects to merge (pure: store state in, jobs out). Levels are merged
// upwards: L0 objects (one per flush) into L1, L1 into L2, ... Objects already at the target size
// or the top level stay where they are, and objects claimed by a queued job are left alone.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "jobs/job_kinds.h"
#include "jobs/jobs_options.h"
#include "metadata/metadata_store.h"

namespace sluice::jobs {

// `busy` holds object ids already named by queued compaction jobs; `new_object_id` names each
// planned output.
std::vector<CompactionJob> PlanCompactions(const std::vector<metadata::ObjectRecord>& live,
                                           const std::set<std::string>& busy,
                                           const JobsOptions& options, int64_t now_ms,
                                           const std::function<std::string()>& new_object_id);

}  // namespace sluice::jobs
