// Runs one compaction job: reads the inputs' indexed chunks, writes them byte for byte into one
// output object sorted by (topic, partition, offset), and swaps the index in one metadata
// transaction. Batches of compacted topics lose superseded records and expired tombstones
// (jobs/key_compaction.h) and are re-encoded, or dropped from the index when nothing is left.
// Safe to run any number of times: the output id is fixed by the job and the swap is idempotent
// by it; each attempt writes its own key, so no object is ever overwritten.
#pragma once

#include <cstdint>
#include <string>

#include "common/asio.h"
#include "common/status.h"
#include "jobs/job_kinds.h"
#include "metadata/metadata_store.h"
#include "storage/object_store.h"

namespace sluice::jobs {

struct CompactionStats {
  int32_t inputs = 0;
  int32_t chunks_moved = 0;
  uint64_t output_bytes = 0;
  bool already_committed = false;
  // Compacted topics (jobs/key_compaction.h): what key compaction removed.
  int64_t records_dropped = 0;
  int32_t batches_rewritten = 0;
  int32_t batches_dropped = 0;
};

// The key an attempt writes: "<prefix><output id>.<attempt>".
std::string CompactionOutputKey(const std::string& prefix, const std::string& output_object_id,
                                int32_t attempt);

Task<Result<CompactionStats>> RunCompaction(const CompactionJob& job, int32_t attempt,
                                            const std::string& key_prefix,
                                            metadata::MetadataStore& store,
                                            storage::ObjectStore& objects, int64_t now_ms);

}  // namespace sluice::jobs
