#include "storage/segment_format.h"

#include <algorithm>
#include <cstring>

#include "record/crc32c.h"

namespace sluice {
namespace {

template <typename T>
void PutLittleEndian(Bytes& out, T value) {
  using U = std::make_unsigned_t<T>;
  U v = static_cast<U>(value);
  for (size_t i = 0; i < sizeof(T); ++i) {
    out.push_back(static_cast<uint8_t>(v & 0xFF));
    v = static_cast<U>(v >> 8);
  }
}

template <typename T>
T LoadLittleEndian(const uint8_t* p) {
  using U = std::make_unsigned_t<T>;
  U v = 0;
  for (size_t i = sizeof(T); i-- > 0;) v = static_cast<U>((v << 8) | p[i]);
  return static_cast<T>(v);
}

void PutString(Bytes& out, const std::string& s) {
  PutLittleEndian<uint16_t>(out, static_cast<uint16_t>(s.size()));
  out.insert(out.end(), s.begin(), s.begin() + std::min<size_t>(s.size(), UINT16_MAX));
}

// Bounds-checked little-endian reader; any overrun latches `ok` to false.
class Reader {
 public:
  explicit Reader(ByteView in) : in_(in) {}
  template <typename T>
  T Get() {
    if (!Need(sizeof(T))) return T{};
    T v = LoadLittleEndian<T>(in_.data() + pos_);
    pos_ += sizeof(T);
    return v;
  }
  std::string GetString() {
    uint16_t len = Get<uint16_t>();
    if (!Need(len)) return {};
    std::string s(reinterpret_cast<const char*>(in_.data() + pos_), len);
    pos_ += len;
    return s;
  }
  void GetRaw(uint8_t* dst, size_t n) {
    if (!Need(n)) return;
    std::memcpy(dst, in_.data() + pos_, n);
    pos_ += n;
  }
  bool ok() const { return ok_; }
  size_t remaining() const { return in_.size() - pos_; }

 private:
  bool Need(size_t n) {
    if (!ok_ || in_.size() - pos_ < n) ok_ = false;
    return ok_;
  }
  ByteView in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// Smallest encoded chunk entry (empty topic name).
constexpr size_t kMinChunkEntrySize = 2 + 16 + 4 + 8 + 4 + 4 + 4 + 8 + 8 + 8 + 2 + 4;

Result<SegmentFooter> DecodeFooter(ByteView footer, uint64_t data_size) {
  if (footer.size() < 4) return Status::Corruption("segment footer too short");
  ByteView body = footer.first(footer.size() - 4);
  uint32_t stored_crc = LoadLittleEndian<uint32_t>(footer.data() + body.size());
  if (Crc32c(body) != stored_crc) return Status::Corruption("segment footer CRC mismatch");

  Reader r(body);
  SegmentFooter f;
  f.version = r.Get<uint32_t>();
  if (r.ok() && f.version != kSegmentFooterVersion)
    return Status::Corruption("unsupported segment footer version " + std::to_string(f.version));
  f.object_id = r.GetString();
  f.level = r.Get<int32_t>();
  uint32_t count = r.Get<uint32_t>();
  if (!r.ok()) return Status::Corruption("segment footer truncated");
  if (count > r.remaining() / kMinChunkEntrySize)
    return Status::Corruption("segment footer chunk count exceeds its size");
  f.chunks.reserve(count);
  uint64_t next_free = 0;
  for (uint32_t i = 0; i < count; ++i) {
    ChunkMeta c;
    c.topic = r.GetString();
    r.GetRaw(c.topic_id.data(), c.topic_id.size());
    c.partition = r.Get<int32_t>();
    c.byte_offset = r.Get<uint64_t>();
    c.byte_length = r.Get<uint32_t>();
    c.record_count = r.Get<int32_t>();
    c.last_offset_delta = r.Get<int32_t>();
    c.first_timestamp = r.Get<int64_t>();
    c.max_timestamp = r.Get<int64_t>();
    c.producer_id = r.Get<int64_t>();
    c.producer_epoch = r.Get<int16_t>();
    c.base_sequence = r.Get<int32_t>();
    if (!r.ok())
      return Status::Corruption("segment footer truncated in chunk " + std::to_string(i));
    if (c.partition < 0 || c.record_count < 0 || c.last_offset_delta < 0)
      return Status::Corruption("segment chunk " + std::to_string(i) + " has negative fields");
    if (c.byte_offset < next_free || c.byte_offset > data_size ||
        c.byte_length > data_size - c.byte_offset)
      return Status::Corruption("segment chunk " + std::to_string(i) +
                                " range overlaps or exceeds the data area");
    next_free = c.byte_offset + c.byte_length;
    f.chunks.push_back(std::move(c));
  }
  if (r.remaining() != 0) return Status::Corruption("segment footer has trailing bytes");
  return f;
}

}  // namespace

ChunkMeta ChunkMetaForBatch(std::string topic, int32_t partition, const BatchHeader& header) {
  ChunkMeta meta;
  meta.topic = std::move(topic);
  meta.partition = partition;
  meta.record_count = header.record_count;
  meta.last_offset_delta = header.last_offset_delta;
  meta.first_timestamp = header.base_timestamp;
  meta.max_timestamp = header.max_timestamp;
  meta.producer_id = header.producer_id;
  meta.producer_epoch = header.producer_epoch;
  meta.base_sequence = header.base_sequence;
  return meta;
}

void SegmentWriter::AddChunk(ChunkMeta meta, ByteView batch_bytes) {
  meta.byte_offset = data_.size();
  meta.byte_length = static_cast<uint32_t>(batch_bytes.size());
  data_.insert(data_.end(), batch_bytes.begin(), batch_bytes.end());
  chunks_.push_back(std::move(meta));
}

Bytes SegmentWriter::Finish(std::string object_id, int32_t level) {
  SegmentFooter footer{kSegmentFooterVersion, std::move(object_id), level, chunks_};
  Bytes encoded = EncodeSegmentFooter(footer);
  Bytes out = std::move(data_);
  out.insert(out.end(), encoded.begin(), encoded.end());
  PutLittleEndian<uint32_t>(out, static_cast<uint32_t>(encoded.size()));
  PutLittleEndian<uint32_t>(out, kSegmentMagic);
  data_.clear();
  return out;
}

Bytes EncodeSegmentFooter(const SegmentFooter& f) {
  Bytes out;
  PutLittleEndian<uint32_t>(out, f.version);
  PutString(out, f.object_id);
  PutLittleEndian<int32_t>(out, f.level);
  PutLittleEndian<uint32_t>(out, static_cast<uint32_t>(f.chunks.size()));
  for (const ChunkMeta& c : f.chunks) {
    PutString(out, c.topic);
    out.insert(out.end(), c.topic_id.begin(), c.topic_id.end());
    PutLittleEndian<int32_t>(out, c.partition);
    PutLittleEndian<uint64_t>(out, c.byte_offset);
    PutLittleEndian<uint32_t>(out, c.byte_length);
    PutLittleEndian<int32_t>(out, c.record_count);
    PutLittleEndian<int32_t>(out, c.last_offset_delta);
    PutLittleEndian<int64_t>(out, c.first_timestamp);
    PutLittleEndian<int64_t>(out, c.max_timestamp);
    PutLittleEndian<int64_t>(out, c.producer_id);
    PutLittleEndian<int16_t>(out, c.producer_epoch);
    PutLittleEndian<int32_t>(out, c.base_sequence);
  }
  PutLittleEndian<uint32_t>(out, Crc32c(out));
  return out;
}

Result<uint32_t> ParseSegmentTrailer(ByteView tail) {
  if (tail.size() < kSegmentTrailerSize) return Status::Corruption("segment object too short");
  const uint8_t* p = tail.data() + tail.size() - kSegmentTrailerSize;
  if (LoadLittleEndian<uint32_t>(p + 4) != kSegmentMagic)
    return Status::Corruption("segment object magic missing");
  return LoadLittleEndian<uint32_t>(p);
}

Result<SegmentFooter> ParseSegmentFooterFromTail(ByteView tail, uint64_t object_size) {
  if (tail.size() > object_size) return Status::InvalidArgument("tail longer than the object");
  SLUICE_ASSIGN_OR_RETURN(uint32_t footer_length, ParseSegmentTrailer(tail));
  uint64_t needed = uint64_t{footer_length} + kSegmentTrailerSize;
  if (needed > object_size) return Status::Corruption("segment footer length exceeds the object");
  if (needed > tail.size())
    return Status::InvalidArgument("tail holds " + std::to_string(tail.size()) + " bytes; " +
                                   std::to_string(needed) + " needed");
  ByteView footer = tail.subspan(tail.size() - needed, footer_length);
  return DecodeFooter(footer, object_size - needed);
}

Result<SegmentFooter> ParseSegmentFooter(ByteView whole_object) {
  return ParseSegmentFooterFromTail(whole_object, whole_object.size());
}

}  // namespace sluice
