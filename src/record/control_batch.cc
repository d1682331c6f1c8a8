// Builds and parses the control batch of a transaction marker (docs/design-transactions.md §7).
#include "record/control_batch.h"

#include "record/crc32c.h"
#include "record/record_batch.h"
#include "record/varint.h"

namespace sluice {
namespace {

constexpr int16_t kMarkerAttributes = 0x30;  // transactional | control, no codec, CreateTime
constexpr int16_t kControlVersion = 0;
constexpr int32_t kMarkerRecordBodySize = 16;  // after the record's own length varint

}  // namespace

Bytes BuildTxnMarkerBatch(int64_t base_offset, const TxnMarkerFields& marker) {
  Bytes out;
  out.reserve(kTxnMarkerBatchSize);
  PutBigEndian<int64_t>(out, base_offset);
  PutBigEndian<int32_t>(out, static_cast<int32_t>(kTxnMarkerBatchSize - kBatchLengthFieldsSize));
  PutBigEndian<int32_t>(out, 0);  // partitionLeaderEpoch
  out.push_back(static_cast<uint8_t>(kCurrentMagic));
  PutBigEndian<uint32_t>(out, 0);  // CRC, filled in below
  PutBigEndian<int16_t>(out, kMarkerAttributes);
  PutBigEndian<int32_t>(out, 0);  // lastOffsetDelta
  PutBigEndian<int64_t>(out, marker.timestamp_ms);
  PutBigEndian<int64_t>(out, marker.timestamp_ms);
  PutBigEndian<int64_t>(out, marker.producer_id);
  PutBigEndian<int16_t>(out, marker.producer_epoch);
  PutBigEndian<int32_t>(out, -1);  // baseSequence
  PutBigEndian<int32_t>(out, 1);   // recordCount
  // The record: length, attributes, timestamp delta, offset delta, key, value, no headers.
  PutVarint(out, kMarkerRecordBodySize);
  out.push_back(0);
  PutVarlong(out, 0);
  PutVarint(out, 0);
  PutVarint(out, 4);
  PutBigEndian<int16_t>(out, kControlVersion);
  PutBigEndian<int16_t>(out, marker.committed ? 1 : 0);
  PutVarint(out, 6);
  PutBigEndian<int16_t>(out, kControlVersion);
  PutBigEndian<int32_t>(out, marker.coordinator_epoch);
  PutUnsignedVarint(out, 0);  // header count (a varint 0 is the same byte)
  StoreBigEndian<uint32_t>(out.data() + kBatchCrcOffset,
                           Crc32c(ByteView(out).subspan(kBatchAttributesOffset)));
  return out;
}

Result<ParsedTxnMarker> ParseTxnMarkerBatch(ByteView batch) {
  SLUICE_ASSIGN_OR_RETURN(BatchView view, ParseBatch(batch));
  const BatchHeader& h = view.header;
  if (h.magic != kCurrentMagic || !h.is_control() || !h.is_transactional())
    return Status::Corruption("not a transaction marker batch");
  if (view.ComputeCrc() != h.crc) return Status::Corruption("marker batch CRC mismatch");
  if (h.record_count != 1) return Status::Corruption("marker batch must hold one record");
  SLUICE_ASSIGN_OR_RETURN(std::vector<Record> records, DecodeRecords(view));
  if (records.size() != 1) return Status::Corruption("marker batch must hold one record");
  const Record& record = records[0];
  if (!record.key || record.key->size() != 4 || !record.value || record.value->size() < 6)
    return Status::Corruption("marker record key/value too short");
  if (LoadBigEndian<int16_t>(record.key->data()) != kControlVersion)
    return Status::Corruption("unknown control record version");
  int16_t type = LoadBigEndian<int16_t>(record.key->data() + 2);
  if (type != 0 && type != 1) return Status::Corruption("control record is not a marker");
  ParsedTxnMarker parsed;
  parsed.base_offset = h.base_offset;
  parsed.fields.producer_id = h.producer_id;
  parsed.fields.producer_epoch = h.producer_epoch;
  parsed.fields.committed = type == 1;
  parsed.fields.coordinator_epoch = LoadBigEndian<int32_t>(record.value->data() + 2);
  parsed.fields.timestamp_ms = h.base_timestamp;
  return parsed;
}

}  // namespace sluice
