#include "jobs/compaction_plan.h"

#include <algorithm>
#include <map>

namespace sluice::jobs {

std::vector<CompactionJob> PlanCompactions(const std::vector<metadata::ObjectRecord>& live,
                                           const std::set<std::string>& busy,
                                           const JobsOptions& options, int64_t now_ms,
                                           const std::function<std::string()>& new_object_id) {
  // Candidates by level, oldest first.
  std::map<int32_t, std::vector<const metadata::ObjectRecord*>> by_level;
  for (const auto& o : live) {
    if (o.dead_since_ms || busy.contains(o.object_id)) continue;
    if (o.level >= options.compaction_max_level) continue;
    if (o.size_bytes >= options.compaction_target_bytes) continue;
    by_level[o.level].push_back(&o);
  }
  std::vector<CompactionJob> jobs;
  const size_t min_objects = static_cast<size_t>(std::max(2, options.compaction_min_objects));
  const size_t max_inputs = static_cast<size_t>(std::max(2, options.compaction_max_inputs));
  for (auto& [level, objects] : by_level) {
    std::sort(objects.begin(), objects.end(), [](const auto* a, const auto* b) {
      return std::tie(a->created_ms, a->object_id) < std::tie(b->created_ms, b->object_id);
    });
    size_t i = 0;
    while (i < objects.size()) {
      // Take objects in age order until the group reaches the target size or input limit.
      size_t j = i;
      uint64_t bytes = 0;
      while (j < objects.size() && j - i < max_inputs &&
             (j == i || bytes + objects[j]->size_bytes <= options.compaction_target_bytes)) {
        bytes += objects[j]->size_bytes;
        ++j;
      }
      const size_t count = j - i;
      const bool full = count >= min_objects || bytes >= options.compaction_target_bytes / 2;
      const bool old = now_ms - objects[i]->created_ms >= options.compaction_max_age.count();
      if (count < 2 || !(full || old)) break;  // the rest is younger and no larger: wait
      CompactionJob job;
      job.output_level = level + 1;
      job.output_object_id = new_object_id();
      for (size_t k = i; k < j; ++k) {
        job.inputs.push_back({objects[k]->object_id, objects[k]->object_key});
      }
      jobs.push_back(std::move(job));
      i = j;
    }
  }
  return jobs;
}

}  // namespace sluice::jobs
