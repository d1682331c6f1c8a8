// Views over Kafka RecordBatch v2 (magic 2): splitting a produce request's records field,
// validating a batch the way a broker must before storing it, stamping offsets, decoding records.
//
// Layout (big-endian): baseOffset i64 | batchLength i32 | partitionLeaderEpoch i32 | magic i8 |
// crc u32 | attributes i16 | lastOffsetDelta i32 | baseTimestamp i64 | maxTimestamp i64 |
// producerId i64 | producerEpoch i16 | baseSequence i32 | recordCount i32 | records...
// batchLength counts the bytes after itself; the CRC-32C covers attributes to the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "record/compression.h"

namespace sluice {

using MutableByteSpan = std::span<uint8_t>;

inline constexpr size_t kBatchHeaderSize = 61;
inline constexpr size_t kBatchLengthFieldsSize = 12;  // baseOffset + batchLength
inline constexpr size_t kBatchMagicOffset = 16;
inline constexpr size_t kBatchCrcOffset = 17;
inline constexpr size_t kBatchAttributesOffset = 21;  // CRC starts here
inline constexpr int8_t kCurrentMagic = 2;

// Why a batch was refused, in terms a Kafka broker answers with.
enum class RecordError {
  kNone = 0,
  kCorruptMessage,              // framing, length or CRC wrong
  kInvalidRecord,               // records inside the batch malformed or inconsistent
  kUnsupportedMagic,            // magic 0/1 (or anything but 2)
  kUnsupportedCompressionType,  // codec bits 5..7
  kRecordTooLarge,              // decompressed size over the configured limit
};

// Kafka error code for a RecordError: CORRUPT_MESSAGE=2, INVALID_RECORD=87,
// UNSUPPORTED_FOR_MESSAGE_FORMAT=43, UNSUPPORTED_COMPRESSION_TYPE=76, MESSAGE_TOO_LARGE=10.
int16_t KafkaErrorCode(RecordError error);

enum class TimestampType : uint8_t { kCreateTime = 0, kLogAppendTime = 1 };

struct BatchHeader {
  int64_t base_offset = 0;
  int32_t batch_length = 0;
  int32_t partition_leader_epoch = -1;
  int8_t magic = kCurrentMagic;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = 0;
  int64_t max_timestamp = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t record_count = 0;

  int codec_bits() const { return attributes & 0x07; }
  CompressionCodec codec() const { return static_cast<CompressionCodec>(codec_bits()); }
  TimestampType timestamp_type() const {
    return (attributes & 0x08) ? TimestampType::kLogAppendTime : TimestampType::kCreateTime;
  }
  bool is_transactional() const { return attributes & 0x10; }
  bool is_control() const { return attributes & 0x20; }
  bool is_idempotent() const { return producer_id >= 0; }
};

// One batch inside a larger buffer (not owning). For magic != 2 only base_offset, batch_length
// and magic of `header` are meaningful.
struct BatchView {
  BatchHeader header;
  ByteView bytes;  // the whole batch, 12 + batch_length bytes

  ByteView records_section() const { return bytes.subspan(kBatchHeaderSize); }
  uint32_t ComputeCrc() const;  // CRC-32C over attributes..end (magic 2 only)
};

// Parses the header of exactly one batch; `bytes` must be exactly 12 + batchLength bytes.
Result<BatchView> ParseBatch(ByteView bytes);

// Splits a produce request's records field into batches. Partial trailing batches, impossible
// lengths and garbage are errors (Kafka: CORRUPT_MESSAGE). An empty input gives no batches.
Result<std::vector<BatchView>> SplitBatches(ByteView records);

struct ValidationOptions {
  size_t max_decompressed_bytes = 64 * 1024 * 1024;
  bool allow_control_batches =
      false;                  // clients may not produce control (transaction marker) batches
  bool require_keys = false;  // compacted topics: a record without a key is INVALID_RECORD
};

// Checks everything a broker must check before storing a batch: magic, lengths, CRC, counts,
// offset deltas, codec, and every record (decompressing with a bound when compressed).
// On failure `error` (if given) receives the Kafka-facing reason.
Status ValidateBatch(const BatchView& batch, const ValidationOptions& options,
                     RecordError* error = nullptr);

// Rewrites fields outside the CRC in place; `batch` must start at a batch header.
void StampBaseOffset(MutableByteSpan batch, int64_t base_offset);
void StampPartitionLeaderEpoch(MutableByteSpan batch, int32_t epoch);
// Turns a batch into a LogAppendTime batch (topic config message.timestamp.type=LogAppendTime):
// sets the timestamp-type attribute and maxTimestamp to `append_time_ms` and recomputes the CRC,
// as a Kafka broker does. Records keep their deltas; readers use maxTimestamp for every record.
// `batch` must be a whole, validated magic-2 batch.
void StampLogAppendTime(MutableByteSpan batch, int64_t append_time_ms);

struct RecordHeader {
  std::string key;
  std::optional<Bytes> value;
  bool operator==(const RecordHeader&) const = default;
};

struct Record {
  int64_t offset = 0;     // baseOffset + offsetDelta
  int64_t timestamp = 0;  // baseTimestamp + timestampDelta, or maxTimestamp for LogAppendTime
  int8_t attributes = 0;
  std::optional<Bytes> key;
  std::optional<Bytes> value;
  std::vector<RecordHeader> headers;
};

// Decodes every record (decompressing when needed, bounded by `max_decompressed_bytes`).
// Performs the same record-level checks as ValidateBatch but not the CRC check, except that
// offset deltas may skip values (strictly increasing, at most lastOffsetDelta), as they do in
// batches of compacted topics.
Result<std::vector<Record>> DecodeRecords(const BatchView& batch,
                                          size_t max_decompressed_bytes = 64 * 1024 * 1024);

}  // namespace sluice
