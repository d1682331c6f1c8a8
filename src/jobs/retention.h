// Retention: per-topic retention.ms and retention.bytes advance a partition's log start offset
// at batch boundaries, as Kafka deletes whole segments. Only the oldest batches go: time
// retention stops at the first batch whose max timestamp is recent enough, size retention drops
// batches while the rest still holds at least retention.bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/asio.h"
#include "common/status.h"
#include "jobs/jobs_options.h"
#include "metadata/metadata_store.h"

namespace sluice::jobs {

struct RetentionLimits {
  int64_t retention_ms = -1;     // -1: no age limit
  int64_t retention_bytes = -1;  // -1: no size limit
};

// The limits that apply to a topic: its own configs, else the defaults. nullopt when the topic's
// cleanup.policy does not include "delete" (a compact-only topic keeps its history).
Result<std::optional<RetentionLimits>> TopicRetention(const metadata::ConfigMap& configs,
                                                      const JobsOptions& options);

// The new log start offset for a partition whose live chunks (offset order) are `chunks` and
// whose high watermark is `high_watermark`; nullopt when nothing expires.
std::optional<int64_t> RetentionCut(const std::vector<metadata::IndexedChunk>& chunks,
                                    int64_t high_watermark, const RetentionLimits& limits,
                                    int64_t now_ms);

struct RetentionStats {
  int32_t partitions_advanced = 0;
};

// Applies retention to every partition of `topic`. A deleted topic is not an error.
Task<Result<RetentionStats>> RunRetention(const std::string& topic, metadata::MetadataStore& store,
                                          const JobsOptions& options, int64_t now_ms);

}  // namespace sluice::jobs
