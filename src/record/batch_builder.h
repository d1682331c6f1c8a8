// Builds valid Kafka RecordBatch v2 bytes (tests, compaction output).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/bytes.h"
#include "record/compression.h"
#include "record/record_batch.h"

namespace sluice {

struct RecordToBuild {
  std::optional<Bytes> key;
  std::optional<Bytes> value;
  std::vector<RecordHeader> headers;
  int64_t timestamp = 0;
};

struct BatchBuildOptions {
  CompressionCodec codec = CompressionCodec::kNone;
  int64_t base_offset = 0;
  int32_t partition_leader_epoch = -1;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  bool transactional = false;
  bool control = false;
  TimestampType timestamp_type = TimestampType::kCreateTime;
  // For kLogAppendTime: the broker time written as maxTimestamp (records keep their deltas).
  std::optional<int64_t> log_append_time;
};

// Returns a complete batch with a correct CRC. baseTimestamp is the first record's timestamp and
// maxTimestamp the largest. If the codec fails (only on allocation failure), the batch is written
// uncompressed so the result is always valid. An empty `records` yields a header-only batch
// (recordCount 0), which ValidateBatch rejects, as Kafka does.
Bytes BuildBatch(const BatchBuildOptions& options, const std::vector<RecordToBuild>& records);

}  // namespace sluice
