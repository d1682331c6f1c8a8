#include "record/batch_rewrite.h"

#include <algorithm>
#include <string>

#include "record/crc32c.h"
#include "record/varint.h"

namespace sluice {

namespace {
constexpr size_t kBatchLengthOffset = 8;
constexpr size_t kRecordCountOffset = kBatchHeaderSize - 4;
}  // namespace

Result<Bytes> RewriteBatchKeeping(const BatchView& batch, const std::vector<bool>& keep,
                                  size_t max_decompressed_bytes) {
  const BatchHeader& h = batch.header;
  if (h.magic != kCurrentMagic || batch.bytes.size() < kBatchHeaderSize) {
    return Status::InvalidArgument("only whole magic-2 batches can be rewritten");
  }
  if (h.codec_bits() > 4) return Status::Corruption("unknown compression codec");
  if (h.record_count < 0 || keep.size() != static_cast<size_t>(h.record_count)) {
    return Status::InvalidArgument("keep list does not match the batch's record count");
  }
  const auto kept_count = static_cast<int32_t>(std::count(keep.begin(), keep.end(), true));
  if (kept_count == 0) return Status::InvalidArgument("a rewritten batch keeps a record");

  Bytes decompressed;
  ByteView records = batch.records_section();
  if (h.codec() != CompressionCodec::kNone) {
    SLUICE_ASSIGN_OR_RETURN(decompressed, Decompress(h.codec(), records, max_decompressed_bytes));
    records = decompressed;
  }
  // Each record is a varint length and that many bytes; copy the kept ones whole.
  Bytes body;
  ByteView in = records;
  for (size_t i = 0; i < keep.size(); ++i) {
    ByteView start = in;
    int32_t length = 0;
    if (!GetVarint(in, &length) || length < 1 || static_cast<size_t>(length) > in.size()) {
      return Status::Corruption("record " + std::to_string(i) + ": bad length");
    }
    const size_t whole = (start.size() - in.size()) + static_cast<size_t>(length);
    if (keep[i]) body.insert(body.end(), start.begin(), start.begin() + whole);
    in = in.subspan(static_cast<size_t>(length));
  }
  if (!in.empty()) return Status::Corruption("bytes after the last record");

  if (h.codec() != CompressionCodec::kNone) {
    SLUICE_ASSIGN_OR_RETURN(body, Compress(h.codec(), body));
  }
  Bytes out(batch.bytes.begin(), batch.bytes.begin() + kBatchHeaderSize);
  out.insert(out.end(), body.begin(), body.end());
  StoreBigEndian<int32_t>(out.data() + kBatchLengthOffset,
                          static_cast<int32_t>(out.size() - kBatchLengthFieldsSize));
  StoreBigEndian<int32_t>(out.data() + kRecordCountOffset, kept_count);
  StoreBigEndian<uint32_t>(out.data() + kBatchCrcOffset,
                           Crc32c(ByteView(out).subspan(kBatchAttributesOffset)));
  return out;
}

}  // namespace sluice
