#include "record/batch_builder.h"

#include <algorithm>

#include "record/crc32c.h"
#include "record/varint.h"

namespace sluice {
namespace {

void PutNullableBytes(Bytes& out, const std::optional<Bytes>& v) {
  if (!v) {
    PutVarint(out, -1);
    return;
  }
  PutVarint(out, static_cast<int32_t>(v->size()));
  out.insert(out.end(), v->begin(), v->end());
}

void PutRecord(Bytes& out, const RecordToBuild& r, int32_t offset_delta, int64_t base_timestamp) {
  Bytes body;
  body.push_back(0);  // record attributes: unused in v2
  PutVarlong(body, static_cast<int64_t>(static_cast<uint64_t>(r.timestamp) -
                                        static_cast<uint64_t>(base_timestamp)));
  PutVarint(body, offset_delta);
  PutNullableBytes(body, r.key);
  PutNullableBytes(body, r.value);
  PutVarint(body, static_cast<int32_t>(r.headers.size()));
  for (const RecordHeader& h : r.headers) {
    PutVarint(body, static_cast<int32_t>(h.key.size()));
    body.insert(body.end(), h.key.begin(), h.key.end());
    PutNullableBytes(body, h.value);
  }
  PutVarint(out, static_cast<int32_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
}

}  // namespace

Bytes BuildBatch(const BatchBuildOptions& options, const std::vector<RecordToBuild>& records) {
  const int64_t base_timestamp = records.empty() ? 0 : records.front().timestamp;
  int64_t max_timestamp = base_timestamp;
  Bytes body;
  for (size_t i = 0; i < records.size(); ++i) {
    max_timestamp = std::max(max_timestamp, records[i].timestamp);
    PutRecord(body, records[i], static_cast<int32_t>(i), base_timestamp);
  }
  if (options.timestamp_type == TimestampType::kLogAppendTime && options.log_append_time)
    max_timestamp = *options.log_append_time;

  CompressionCodec codec = options.codec;
  if (codec != CompressionCodec::kNone) {
    Result<Bytes> compressed = Compress(codec, body);
    if (compressed.ok()) {
      body = std::move(compressed).value();
    } else {
      codec = CompressionCodec::kNone;
    }
  }
  int16_t attributes = static_cast<int16_t>(codec);
  if (options.timestamp_type == TimestampType::kLogAppendTime) attributes |= 0x08;
  if (options.transactional) attributes |= 0x10;
  if (options.control) attributes |= 0x20;

  Bytes out;
  out.reserve(kBatchHeaderSize + body.size());
  PutBigEndian<int64_t>(out, options.base_offset);
  PutBigEndian<int32_t>(
      out, static_cast<int32_t>(kBatchHeaderSize - kBatchLengthFieldsSize + body.size()));
  PutBigEndian<int32_t>(out, options.partition_leader_epoch);
  out.push_back(static_cast<uint8_t>(kCurrentMagic));
  PutBigEndian<uint32_t>(out, 0);  // CRC, filled below
  PutBigEndian<int16_t>(out, attributes);
  PutBigEndian<int32_t>(out, static_cast<int32_t>(records.size()) - 1);
  PutBigEndian<int64_t>(out, base_timestamp);
  PutBigEndian<int64_t>(out, max_timestamp);
  PutBigEndian<int64_t>(out, options.producer_id);
  PutBigEndian<int16_t>(out, options.producer_epoch);
  PutBigEndian<int32_t>(out, options.base_sequence);
  PutBigEndian<int32_t>(out, static_cast<int32_t>(records.size()));
  out.insert(out.end(), body.begin(), body.end());
  uint32_t crc = Crc32c(ByteView(out).subspan(kBatchAttributesOffset));
  StoreBigEndian<uint32_t>(out.data() + kBatchCrcOffset, crc);
  return out;
}

}  // namespace sluice
