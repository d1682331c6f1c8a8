// Record-level parsing shared by ValidateBatch and DecodeRecords.
#include <string>

#include "record/record_batch.h"
#include "record/varint.h"

namespace sluice {
namespace {

// Smallest possible record: length, attributes, timestampDelta, offsetDelta, key length,
// value length and header count, one byte each.
constexpr size_t kMinRecordSize = 7;

Status Invalid(int index, const std::string& what) {
  return Status::Corruption("record " + std::to_string(index) + ": " + what);
}

// Reads a varint length-prefixed byte string (-1 = null). `allow_null` false rejects -1.
bool ReadNullableBytes(ByteView& in, bool allow_null, std::optional<ByteView>* out) {
  int32_t len;
  if (!GetVarint(in, &len)) return false;
  if (len == -1 && allow_null) {
    *out = std::nullopt;
    return true;
  }
  if (len < 0 || static_cast<size_t>(len) > in.size()) return false;
  *out = in.first(len);
  in = in.subspan(len);
  return true;
}

std::optional<Bytes> Copy(const std::optional<ByteView>& v) {
  if (!v) return std::nullopt;
  return Bytes(v->begin(), v->end());
}

// How offset deltas may run: as produced (0, 1, 2, ...), or as log compaction leaves them
// (strictly increasing, at most lastOffsetDelta; records in between were dropped).
enum class Deltas { kDense, kCompacted };

// Walks exactly header.record_count records in `data`, which must be consumed exactly.
// Appends decoded records to `out` when it is not null.
// `require_keys` refuses records without a key (compacted topics, as Kafka does).
Status WalkRecords(ByteView data, const BatchHeader& header, Deltas deltas, bool require_keys,
                   std::vector<Record>* out) {
  const int32_t count = header.record_count;
  if (count < 0 || static_cast<size_t>(count) > data.size() / kMinRecordSize)
    return Status::Corruption("record count " + std::to_string(count) + " impossible for " +
                              std::to_string(data.size()) + " bytes");
  if (out) out->reserve(out->size() + count);
  ByteView in = data;
  int32_t previous_delta = -1;
  for (int32_t i = 0; i < count; ++i) {
    int32_t length;
    if (!GetVarint(in, &length)) return Invalid(i, "bad length varint");
    if (length < 0 || static_cast<size_t>(length) > in.size())
      return Invalid(i, "length exceeds batch");
    ByteView body = in.first(length);
    in = in.subspan(length);

    if (body.empty()) return Invalid(i, "missing attributes");
    int8_t attributes = static_cast<int8_t>(body[0]);
    body = body.subspan(1);
    int64_t timestamp_delta;
    int32_t offset_delta;
    if (!GetVarlong(body, &timestamp_delta)) return Invalid(i, "bad timestamp delta");
    if (!GetVarint(body, &offset_delta)) return Invalid(i, "bad offset delta");
    const bool in_sequence =
        deltas == Deltas::kDense
            ? offset_delta == i
            : offset_delta > previous_delta && offset_delta <= header.last_offset_delta;
    if (!in_sequence)
      return Invalid(i, "offset delta " + std::to_string(offset_delta) + " out of sequence");
    previous_delta = offset_delta;
    std::optional<ByteView> key, value;
    if (!ReadNullableBytes(body, true, &key)) return Invalid(i, "bad key");
    if (require_keys && !key) return Invalid(i, "compacted topics need a key on every record");
    if (!ReadNullableBytes(body, true, &value)) return Invalid(i, "bad value");
    int32_t header_count;
    if (!GetVarint(body, &header_count) || header_count < 0 ||
        static_cast<size_t>(header_count) > body.size() / 2)
      return Invalid(i, "bad header count");
    Record* record = nullptr;
    if (out) {
      record = &out->emplace_back();
      record->offset = static_cast<int64_t>(static_cast<uint64_t>(header.base_offset) +
                                            static_cast<uint64_t>(offset_delta));
      record->timestamp = header.timestamp_type() == TimestampType::kLogAppendTime
                              ? header.max_timestamp
                              : static_cast<int64_t>(static_cast<uint64_t>(header.base_timestamp) +
                                                     static_cast<uint64_t>(timestamp_delta));
      record->attributes = attributes;
      record->key = Copy(key);
      record->value = Copy(value);
      record->headers.reserve(header_count);
    }
    for (int32_t h = 0; h < header_count; ++h) {
      std::optional<ByteView> hkey, hvalue;
      if (!ReadNullableBytes(body, false, &hkey)) return Invalid(i, "bad header key");
      if (!ReadNullableBytes(body, true, &hvalue)) return Invalid(i, "bad header value");
      if (record) {
        record->headers.push_back(RecordHeader{std::string(AsString(*hkey)), Copy(hvalue)});
      }
    }
    if (!body.empty()) return Invalid(i, "trailing bytes inside record");
  }
  if (!in.empty())
    return Status::Corruption(std::to_string(in.size()) + " bytes after the last record");
  return Status::Ok();
}

// Returns the records section, decompressed when the batch is compressed.
Result<Bytes> DecompressRecords(const BatchView& batch, size_t max_bytes, RecordError* error) {
  Result<Bytes> data = Decompress(batch.header.codec(), batch.records_section(), max_bytes);
  if (!data.ok()) {
    *error = data.status().code() == StatusCode::kResourceExhausted ? RecordError::kRecordTooLarge
                                                                    : RecordError::kCorruptMessage;
  }
  return data;
}

// Magic and length: what must hold before the CRC can even be computed.
Status CheckFraming(const BatchView& batch, RecordError* error) {
  const BatchHeader& h = batch.header;
  *error = RecordError::kUnsupportedMagic;
  if (h.magic != kCurrentMagic)
    return Status::InvalidArgument("record batch magic " + std::to_string(h.magic) +
                                   " unsupported; only magic 2 is accepted");
  *error = RecordError::kCorruptMessage;
  if (batch.bytes.size() < kBatchHeaderSize ||
      static_cast<size_t>(h.batch_length) + kBatchLengthFieldsSize != batch.bytes.size())
    return Status::Corruption("record batch length inconsistent with its bytes");
  *error = RecordError::kNone;
  return Status::Ok();
}

// Header fields describing the records: codec and counts.
Status CheckCounts(const BatchView& batch, Deltas deltas, RecordError* error) {
  const BatchHeader& h = batch.header;
  *error = RecordError::kUnsupportedCompressionType;
  if (h.codec_bits() > 4)
    return Status::InvalidArgument("unknown compression codec " + std::to_string(h.codec_bits()));
  *error = RecordError::kInvalidRecord;
  if (h.record_count < 1) return Status::InvalidArgument("record batch without records");
  const bool counts_agree = deltas == Deltas::kDense ? h.last_offset_delta == h.record_count - 1
                                                     : h.last_offset_delta >= h.record_count - 1;
  if (!counts_agree)
    return Status::InvalidArgument("lastOffsetDelta " + std::to_string(h.last_offset_delta) +
                                   " does not match record count " +
                                   std::to_string(h.record_count));
  *error = RecordError::kNone;
  return Status::Ok();
}

Status WalkBatch(const BatchView& batch, size_t max_bytes, Deltas deltas, bool require_keys,
                 std::vector<Record>* out, RecordError* error) {
  if (batch.header.codec() == CompressionCodec::kNone) {
    if (batch.records_section().size() > max_bytes) {
      *error = RecordError::kRecordTooLarge;
      return Status::ResourceExhausted("record batch larger than the limit");
    }
    Status st = WalkRecords(batch.records_section(), batch.header, deltas, require_keys, out);
    if (!st.ok()) *error = RecordError::kInvalidRecord;
    return st;
  }
  SLUICE_ASSIGN_OR_RETURN(Bytes data, DecompressRecords(batch, max_bytes, error));
  Status st = WalkRecords(data, batch.header, deltas, require_keys, out);
  if (!st.ok()) *error = RecordError::kInvalidRecord;
  return st;
}

}  // namespace

Status ValidateBatch(const BatchView& batch, const ValidationOptions& options, RecordError* error) {
  RecordError local = RecordError::kNone;
  RecordError* err = error ? error : &local;
  SLUICE_RETURN_IF_ERROR(CheckFraming(batch, err));
  // CRC first, as Kafka does: a damaged header is corruption, not an "invalid record".
  if (batch.ComputeCrc() != batch.header.crc) {
    *err = RecordError::kCorruptMessage;
    return Status::Corruption("record batch CRC mismatch");
  }
  SLUICE_RETURN_IF_ERROR(CheckCounts(batch, Deltas::kDense, err));
  if (batch.header.is_control() && !options.allow_control_batches) {
    *err = RecordError::kInvalidRecord;
    return Status::InvalidArgument("clients may not produce control batches");
  }
  SLUICE_RETURN_IF_ERROR(WalkBatch(batch, options.max_decompressed_bytes, Deltas::kDense,
                                   options.require_keys, nullptr, err));
  *err = RecordError::kNone;
  return Status::Ok();
}

Result<std::vector<Record>> DecodeRecords(const BatchView& batch, size_t max_decompressed_bytes) {
  RecordError error;
  SLUICE_RETURN_IF_ERROR(CheckFraming(batch, &error));
  SLUICE_RETURN_IF_ERROR(CheckCounts(batch, Deltas::kCompacted, &error));
  std::vector<Record> records;
  SLUICE_RETURN_IF_ERROR(
      WalkBatch(batch, max_decompressed_bytes, Deltas::kCompacted, false, &records, &error));
  return records;
}

}  // namespace sluice
