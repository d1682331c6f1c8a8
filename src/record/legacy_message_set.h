// Legacy Kafka message sets (message formats v0 and v1, "magic 0/1"), which Produce v0-2 carry
// and Fetch v0-3 answer with. Sluice stores record batch v2 only, so a legacy set is up-converted
// into one v2 batch on admission, and stored batches are down-converted for old consumers
// (record/legacy_down_convert.h).
//
// Entry layout (big-endian): offset i64 | messageSize i32 | crc u32 | magic i8 | attributes i8 |
// [timestamp i64, magic 1 only] | key (i32 length, -1 = null) | value (i32 length, -1 = null).
// The CRC-32 (IEEE) covers magic to the end. A compressed message (attributes bits 0-2: gzip 1,
// snappy 2, lz4 3) is a wrapper whose value is the compressed inner message set.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "record/compression.h"

namespace sluice {

inline constexpr size_t kLegacyLogOverhead = 12;  // offset + messageSize
inline constexpr size_t kLegacyMessageV0MinSize = 14;
inline constexpr size_t kLegacyMessageV1MinSize = 22;

// One uncompressed message of a legacy set (wrappers are unpacked into their inner messages).
struct LegacyMessage {
  int8_t magic = 1;
  int64_t offset = 0;
  int64_t timestamp = -1;  // -1 for magic 0 (it has none)
  std::optional<Bytes> key;
  std::optional<Bytes> value;
};

struct LegacyMessageSet {
  std::vector<LegacyMessage> messages;
  CompressionCodec codec = CompressionCodec::kNone;  // of the first compressed wrapper
};

// Parses and checks a whole legacy message set: every entry complete, sizes consistent, CRC
// correct, magic 0 or 1, codec none/gzip/snappy/lz4, wrappers non-empty and not nested, inner
// magic equal to the wrapper's. Decompressed data is bounded by `max_decompressed_bytes` in total.
// Any failure is Status::Corruption (Kafka: CORRUPT_MESSAGE).
Result<LegacyMessageSet> ParseLegacyMessageSet(ByteView set,
                                               size_t max_decompressed_bytes = 64 * 1024 * 1024);

struct LegacyConversion {
  Bytes batch;  // one RecordBatch v2, baseOffset 0, producer id -1
  int32_t record_count = 0;
  CompressionCodec codec = CompressionCodec::kNone;
  // Magic 0 has no timestamps: the batch is a LogAppendTime batch stamped with the append time.
  bool log_append_time = false;
};

// Up-converts a produce request's legacy message set into one v2 batch: keys, values and (magic 1)
// timestamps kept, no headers, compressed again with the codec the client used. Magic 0 messages
// get `append_time_ms` as their timestamp, with LogAppendTime semantics.
Result<LegacyConversion> ConvertLegacyMessageSet(ByteView set, int64_t append_time_ms,
                                                 size_t max_decompressed_bytes = 64 * 1024 * 1024);

// Appends one uncompressed legacy entry (offset, size, CRC computed). `attributes` carries the
// codec bits for a wrapper and, for magic 1, the timestamp-type bit.
void AppendLegacyMessage(Bytes& out, int8_t magic, int64_t offset, int8_t attributes,
                         int64_t timestamp, const std::optional<Bytes>& key,
                         const std::optional<Bytes>& value);

// KAFKA-3160: Kafka clients before 0.10 computed the LZ4 frame header checksum over the frame
// magic number too, so magic-0 LZ4 wrappers carry that broken checksum. Repair rewrites it into
// the standard one (a frame that already has the standard checksum is left alone); Break does the
// opposite, as those clients wrote it (tests). Corruption when the frame header is malformed or the
// checksum is neither.
Status RepairKafka3160Lz4Header(Bytes& frame);
Status BreakLz4HeaderAsKafka3160(Bytes& frame);

}  // namespace sluice
