// Down-conversion of stored record batches (v2) into a legacy message set for Fetch v0-3, as a
// Kafka broker does for consumers that predate record batches: magic 0 for Fetch v0-1, magic 1
// for v2-3. Each record becomes one uncompressed message with its absolute offset, key, value and
// (magic 1) timestamp; headers cannot be represented and are dropped; control batches are skipped.
#pragma once

#include <cstdint>

#include "common/bytes.h"
#include "common/status.h"

namespace sluice {

struct DownConvertOptions {
  int8_t magic = 1;          // 0 or 1
  int64_t fetch_offset = 0;  // records below it (earlier in the first batch) are left out
  // Whole messages are added while they fit; the first may exceed it when allowed (progress).
  uint64_t max_bytes = UINT64_MAX;
  bool allow_oversized_first = true;
  size_t max_decompressed_bytes = 64 * 1024 * 1024;
};

// `batches` are whole magic-2 batches with their committed base offsets. Corruption when one does
// not parse or decode.
Result<Bytes> DownConvertBatches(ByteView batches, const DownConvertOptions& options);

// The legacy magic a Fetch version answers with (v0-1: 0, v2-3: 1).
inline int8_t LegacyMagicForFetchVersion(int16_t version) { return version < 2 ? 0 : 1; }

}  // namespace sluice
