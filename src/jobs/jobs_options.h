// Settings of the background jobs (design.md §7), filled from the agent's flags.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace sluice::jobs {

struct JobsOptions {
  // How often the planner looks at the store (compaction, retention and deletion planning).
  std::chrono::milliseconds compaction_interval{10000};
  // How often the planner queues a retention pass over every topic.
  std::chrono::milliseconds retention_interval{60000};
  // How often an idle worker asks for jobs.
  std::chrono::milliseconds worker_poll_interval{500};
  // A claimed job is retried elsewhere when its worker has not finished it by then.
  std::chrono::milliseconds job_lease{120000};
  // The planner lease; another jobs agent takes over planning when it runs out.
  std::chrono::milliseconds planner_lease{30000};
  // Dead objects are deleted from the bucket this long after they died, so a fetch that resolved
  // their chunks just before a swap still reads them.
  std::chrono::milliseconds deletion_grace_period{std::chrono::minutes(5)};

  // Compaction: a level with at least min_objects live objects below target_bytes is merged into
  // the next level; fewer (but at least two) are merged once the oldest is older than max_age.
  int32_t compaction_min_objects = 8;
  std::chrono::milliseconds compaction_max_age{std::chrono::minutes(2)};
  int32_t compaction_max_inputs = 128;             // objects per job
  uint64_t compaction_target_bytes = 64ULL << 20;  // output size aimed at
  int32_t compaction_max_level = 6;                // objects at this level stay put

  // Retention defaults for topics without retention.ms / retention.bytes.
  int64_t default_retention_ms = 7LL * 24 * 3600 * 1000;
  int64_t default_retention_bytes = -1;

  // Orphan scan (orphan_scan.h): how often the planner queues one, and how old an object the
  // store does not know must be before it is deleted (far above any PUT-to-commit time).
  std::chrono::milliseconds orphan_scan_interval{std::chrono::hours(1)};
  std::chrono::milliseconds orphan_safety_age{std::chrono::hours(1)};
  // A failed job is claimable again after min(job_lease, job_retry_backoff * 2^(attempts - 1)).
  std::chrono::milliseconds job_retry_backoff{5000};
  // Tests only (-faultCompactionDelay): a worker sleeps this long after writing a compaction
  // output, before its index swap (output_guard.h). Zero disables it.
  std::chrono::milliseconds fault_compaction_delay{0};

  // Where compaction writes its outputs, e.g. "sluice/<cluster-id>/segments/".
  std::string object_key_prefix;
};

}  // namespace sluice::jobs
