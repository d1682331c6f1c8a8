// Batch framing: header parsing, splitting, CRC, offset stamping.
#include "record/record_batch.h"

#include <string>

#include "record/crc32c.h"
#include "record/varint.h"

namespace sluice {

int16_t KafkaErrorCode(RecordError error) {
  switch (error) {
    case RecordError::kNone:
      return 0;
    case RecordError::kCorruptMessage:
      return 2;
    case RecordError::kInvalidRecord:
      return 87;
    case RecordError::kUnsupportedMagic:
      return 43;
    case RecordError::kUnsupportedCompressionType:
      return 76;
    case RecordError::kRecordTooLarge:
      return 10;
  }
  return 2;
}

uint32_t BatchView::ComputeCrc() const { return Crc32c(bytes.subspan(kBatchAttributesOffset)); }

Result<BatchView> ParseBatch(ByteView bytes) {
  if (bytes.size() < kBatchMagicOffset + 1)
    return Status::Corruption("record batch shorter than its length fields");
  BatchView view;
  view.bytes = bytes;
  BatchHeader& h = view.header;
  const uint8_t* p = bytes.data();
  h.base_offset = LoadBigEndian<int64_t>(p);
  h.batch_length = LoadBigEndian<int32_t>(p + 8);
  h.partition_leader_epoch = LoadBigEndian<int32_t>(p + 12);
  h.magic = static_cast<int8_t>(p[kBatchMagicOffset]);
  if (h.batch_length < 0 ||
      static_cast<size_t>(h.batch_length) + kBatchLengthFieldsSize != bytes.size())
    return Status::Corruption("record batch length field does not match its size");
  if (h.magic != kCurrentMagic) return view;  // old formats: only framing is known
  if (bytes.size() < kBatchHeaderSize)
    return Status::Corruption("record batch shorter than the 61-byte v2 header");
  h.crc = LoadBigEndian<uint32_t>(p + kBatchCrcOffset);
  h.attributes = LoadBigEndian<int16_t>(p + 21);
  h.last_offset_delta = LoadBigEndian<int32_t>(p + 23);
  h.base_timestamp = LoadBigEndian<int64_t>(p + 27);
  h.max_timestamp = LoadBigEndian<int64_t>(p + 35);
  h.producer_id = LoadBigEndian<int64_t>(p + 43);
  h.producer_epoch = LoadBigEndian<int16_t>(p + 51);
  h.base_sequence = LoadBigEndian<int32_t>(p + 53);
  h.record_count = LoadBigEndian<int32_t>(p + 57);
  return view;
}

Result<std::vector<BatchView>> SplitBatches(ByteView records) {
  std::vector<BatchView> batches;
  size_t at = 0;
  while (at < records.size()) {
    ByteView rest = records.subspan(at);
    if (rest.size() < kBatchLengthFieldsSize)
      return Status::Corruption("partial record batch at byte " + std::to_string(at));
    int32_t length = LoadBigEndian<int32_t>(rest.data() + 8);
    // Every format has at least the leader epoch/crc and the magic byte after the length.
    if (length < 5)
      return Status::Corruption("impossible record batch length " + std::to_string(length));
    size_t total = kBatchLengthFieldsSize + static_cast<size_t>(length);
    if (total > rest.size())
      return Status::Corruption("partial record batch at byte " + std::to_string(at));
    SLUICE_ASSIGN_OR_RETURN(BatchView view, ParseBatch(rest.first(total)));
    batches.push_back(view);
    at += total;
  }
  return batches;
}

void StampBaseOffset(MutableByteSpan batch, int64_t base_offset) {
  if (batch.size() < 8) return;
  StoreBigEndian<int64_t>(batch.data(), base_offset);
}

void StampPartitionLeaderEpoch(MutableByteSpan batch, int32_t epoch) {
  if (batch.size() < 16) return;
  StoreBigEndian<int32_t>(batch.data() + 12, epoch);
}

void StampLogAppendTime(MutableByteSpan batch, int64_t append_time_ms) {
  constexpr size_t kMaxTimestampOffset = 35;  // attributes(2) lastOffsetDelta(4) baseTimestamp(8)
  if (batch.size() < kBatchHeaderSize) return;
  uint8_t* p = batch.data();
  const uint16_t attributes = LoadBigEndian<uint16_t>(p + kBatchAttributesOffset) | 0x08;
  StoreBigEndian<uint16_t>(p + kBatchAttributesOffset, attributes);
  StoreBigEndian<int64_t>(p + kMaxTimestampOffset, append_time_ms);
  StoreBigEndian<uint32_t>(p + kBatchCrcOffset,
                           Crc32c(ByteView(batch).subspan(kBatchAttributesOffset)));
}

}  // namespace sluice
