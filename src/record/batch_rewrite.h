// Re-encodes a stored batch keeping only some of its records (log compaction). Everything that
// identifies the batch survives: baseOffset, lastOffsetDelta, partitionLeaderEpoch, producer id,
// epoch and baseSequence, attributes (codec, timestamp type, transactional, control),
// baseTimestamp and maxTimestamp. Kept records are copied byte for byte, so their offset and
// timestamp deltas are unchanged; recordCount, batchLength and the CRC are recomputed, and the
// records are compressed again with the batch's own codec.
#pragma once

#include <cstddef>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "record/record_batch.h"

namespace sluice {

// `keep[i]` says whether record i (in batch order) stays; keep.size() must equal the batch's
// recordCount and at least one record must stay. Malformed batches give an error.
Result<Bytes> RewriteBatchKeeping(const BatchView& batch, const std::vector<bool>& keep,
                                  size_t max_decompressed_bytes = 64 * 1024 * 1024);

}  // namespace sluice
