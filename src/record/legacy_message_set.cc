#include "record/legacy_message_set.h"

#include <zlib.h>

#include <string>

#include "record/batch_builder.h"
#include "record/varint.h"

namespace sluice {
namespace {

Status Corrupt(const std::string& what) {
  return Status::Corruption("legacy message set: " + what);
}

uint32_t Crc32(ByteView data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths; messages are bounded by the request size, far below 4 GiB.
  crc = crc32(crc, data.data(), static_cast<uInt>(data.size()));
  return static_cast<uint32_t>(crc);
}

// Reads an i32-length-prefixed byte string (-1 = null).
bool ReadBytes(ByteView& in, std::optional<ByteView>* out) {
  if (in.size() < 4) return false;
  int32_t len = LoadBigEndian<int32_t>(in.data());
  in = in.subspan(4);
  if (len == -1) {
    *out = std::nullopt;
    return true;
  }
  if (len < 0 || static_cast<size_t>(len) > in.size()) return false;
  *out = in.first(static_cast<size_t>(len));
  in = in.subspan(static_cast<size_t>(len));
  return true;
}

std::optional<Bytes> Copy(const std::optional<ByteView>& v) {
  if (!v) return std::nullopt;
  return Bytes(v->begin(), v->end());
}

void PutBytes(Bytes& out, const std::optional<Bytes>& v) {
  if (!v) {
    PutBigEndian<int32_t>(out, -1);
    return;
  }
  PutBigEndian<int32_t>(out, static_cast<int32_t>(v->size()));
  out.insert(out.end(), v->begin(), v->end());
}

// XXH32 (the LZ4 frame format's header checksum), small inputs only matter here.
constexpr uint32_t kP1 = 2654435761U, kP2 = 2246822519U, kP3 = 3266489917U, kP4 = 668265263U,
                   kP5 = 374761393U;
uint32_t Rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }
uint32_t Le32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
uint32_t Xxh32(ByteView data) {
  const uint8_t* p = data.data();
  const uint8_t* end = p + data.size();
  uint32_t h;
  if (data.size() >= 16) {
    uint32_t v[4] = {kP1 + kP2, kP2, 0, 0u - kP1};
    for (; end - p >= 16; p += 16) {
      for (int i = 0; i < 4; ++i) v[i] = Rotl(v[i] + Le32(p + 4 * i) * kP2, 13) * kP1;
    }
    h = Rotl(v[0], 1) + Rotl(v[1], 7) + Rotl(v[2], 12) + Rotl(v[3], 18);
  } else {
    h = kP5;
  }
  h += static_cast<uint32_t>(data.size());
  for (; end - p >= 4; p += 4) h = Rotl(h + Le32(p) * kP3, 17) * kP4;
  for (; p < end; ++p) h = Rotl(h + *p * kP5, 11) * kP1;
  h ^= h >> 15;
  h *= kP2;
  h ^= h >> 13;
  h *= kP3;
  h ^= h >> 16;
  return h;
}

// Locates the LZ4 frame descriptor; returns the offset of the header-checksum byte.
Result<size_t> Lz4HeaderChecksumOffset(const Bytes& frame) {
  static constexpr uint8_t kMagic[4] = {0x04, 0x22, 0x4D, 0x18};
  if (frame.size() < 7 || !std::equal(kMagic, kMagic + 4, frame.begin()))
    return Corrupt("lz4: not an LZ4 frame");
  const uint8_t flg = frame[4];
  if ((flg >> 6) != 1) return Corrupt("lz4: unsupported frame version");
  size_t at = 6 + ((flg & 0x08) ? 8 : 0) + ((flg & 0x01) ? 4 : 0);
  if (frame.size() <= at) return Corrupt("lz4: truncated frame header");
  return at;
}

uint8_t StandardChecksum(const Bytes& frame, size_t hc_at) {
  return static_cast<uint8_t>(Xxh32(ByteView(frame).subspan(4, hc_at - 4)) >> 8);
}
uint8_t Kafka3160Checksum(const Bytes& frame, size_t hc_at) {
  return static_cast<uint8_t>(Xxh32(ByteView(frame).first(hc_at)) >> 8);
}

struct Parser {
  size_t decompress_budget;
  LegacyMessageSet out;

  // Parses `set`; `wrapper` is the enclosing compressed message, if any.
  Status Parse(ByteView set, const LegacyMessage* wrapper, int8_t wrapper_attributes) {
    size_t count = 0;
    while (!set.empty()) {
      if (set.size() < kLegacyLogOverhead) return Corrupt("truncated entry header");
      const int64_t offset = LoadBigEndian<int64_t>(set.data());
      const int32_t size = LoadBigEndian<int32_t>(set.data() + 8);
      set = set.subspan(kLegacyLogOverhead);
      if (size < static_cast<int32_t>(kLegacyMessageV0MinSize) ||
          static_cast<size_t>(size) > set.size())
        return Corrupt("message size " + std::to_string(size) + " impossible for " +
                       std::to_string(set.size()) + " bytes left");
      ByteView message = set.first(static_cast<size_t>(size));
      set = set.subspan(static_cast<size_t>(size));
      SLUICE_RETURN_IF_ERROR(ParseMessage(offset, message, wrapper, wrapper_attributes));
      ++count;
    }
    if (count == 0) return Corrupt(wrapper ? "empty compressed wrapper" : "no messages");
    return Status::Ok();
  }

  Status ParseMessage(int64_t offset, ByteView message, const LegacyMessage* wrapper,
                      int8_t wrapper_attributes) {
    const uint32_t crc = LoadBigEndian<uint32_t>(message.data());
    ByteView body = message.subspan(4);
    if (Crc32(body) != crc) return Corrupt("CRC mismatch at offset " + std::to_string(offset));
    LegacyMessage m;
    m.offset = offset;
    m.magic = static_cast<int8_t>(body[0]);
    const int8_t attributes = static_cast<int8_t>(body[1]);
    body = body.subspan(2);
    if (m.magic != 0 && m.magic != 1) return Corrupt("magic " + std::to_string(m.magic));
    if (wrapper && m.magic != wrapper->magic) return Corrupt("inner magic differs from wrapper");
    if (m.magic == 1) {
      if (body.size() < 8) return Corrupt("truncated timestamp");
      m.timestamp = LoadBigEndian<int64_t>(body.data());
      body = body.subspan(8);
      if (m.timestamp < -1) return Corrupt("invalid timestamp " + std::to_string(m.timestamp));
      // A LogAppendTime wrapper's timestamp applies to every inner message (as in Kafka).
      if (wrapper && (wrapper_attributes & 0x08)) m.timestamp = wrapper->timestamp;
    }
    std::optional<ByteView> key, value;
    if (!ReadBytes(body, &key) || !ReadBytes(body, &value) || !body.empty())
      return Corrupt("key/value lengths do not match the message size");
    const int codec = attributes & 0x07;
    if (codec == 0) {
      m.key = Copy(key);
      m.value = Copy(value);
      out.messages.push_back(std::move(m));
      return Status::Ok();
    }
    if (codec > 3) return Corrupt("compression codec " + std::to_string(codec));
    if (wrapper) return Corrupt("nested compressed message");
    if (!value) return Corrupt("compressed wrapper without a value");
    const auto kind = static_cast<CompressionCodec>(codec);
    if (out.codec == CompressionCodec::kNone) out.codec = kind;
    Bytes compressed(value->begin(), value->end());
    if (kind == CompressionCodec::kLz4 && m.magic == 0)
      SLUICE_RETURN_IF_ERROR(RepairKafka3160Lz4Header(compressed));
    auto inner = Decompress(kind, compressed, decompress_budget);
    if (!inner.ok()) return Corrupt(std::string(CodecName(kind)) + ": " + inner.status().message());
    decompress_budget -= inner->size();
    return Parse(*inner, &m, attributes);
  }
};

}  // namespace

Result<LegacyMessageSet> ParseLegacyMessageSet(ByteView set, size_t max_decompressed_bytes) {
  Parser parser{max_decompressed_bytes, {}};
  SLUICE_RETURN_IF_ERROR(parser.Parse(set, nullptr, 0));
  return std::move(parser.out);
}

Result<LegacyConversion> ConvertLegacyMessageSet(ByteView set, int64_t append_time_ms,
                                                 size_t max_decompressed_bytes) {
  SLUICE_ASSIGN_OR_RETURN(LegacyMessageSet parsed,
                          ParseLegacyMessageSet(set, max_decompressed_bytes));
  if (parsed.messages.size() > static_cast<size_t>(INT32_MAX)) return Corrupt("too many messages");
  LegacyConversion out;
  out.codec = parsed.codec;
  out.record_count = static_cast<int32_t>(parsed.messages.size());
  // One magic-0 message makes the whole batch LogAppendTime: v2 has one timestamp type per batch.
  for (const auto& m : parsed.messages) out.log_append_time |= m.magic == 0;
  std::vector<RecordToBuild> records;
  records.reserve(parsed.messages.size());
  for (auto& m : parsed.messages) {
    RecordToBuild r;
    r.key = std::move(m.key);
    r.value = std::move(m.value);
    r.timestamp = out.log_append_time ? append_time_ms : m.timestamp;
    records.push_back(std::move(r));
  }
  BatchBuildOptions options;
  options.codec = parsed.codec;
  if (out.log_append_time) {
    options.timestamp_type = TimestampType::kLogAppendTime;
    options.log_append_time = append_time_ms;
  }
  out.batch = BuildBatch(options, records);
  return out;
}

void AppendLegacyMessage(Bytes& out, int8_t magic, int64_t offset, int8_t attributes,
                         int64_t timestamp, const std::optional<Bytes>& key,
                         const std::optional<Bytes>& value) {
  PutBigEndian<int64_t>(out, offset);
  const size_t size_at = out.size();
  PutBigEndian<int32_t>(out, 0);   // messageSize, filled below
  PutBigEndian<uint32_t>(out, 0);  // crc, filled below
  const size_t magic_at = out.size();
  out.push_back(static_cast<uint8_t>(magic));
  out.push_back(static_cast<uint8_t>(attributes));
  if (magic >= 1) PutBigEndian<int64_t>(out, timestamp);
  PutBytes(out, key);
  PutBytes(out, value);
  StoreBigEndian<int32_t>(out.data() + size_at, static_cast<int32_t>(out.size() - size_at - 4));
  StoreBigEndian<uint32_t>(out.data() + size_at + 4, Crc32(ByteView(out).subspan(magic_at)));
}

Status RepairKafka3160Lz4Header(Bytes& frame) {
  SLUICE_ASSIGN_OR_RETURN(size_t hc_at, Lz4HeaderChecksumOffset(frame));
  const uint8_t standard = StandardChecksum(frame, hc_at);
  if (frame[hc_at] == standard) return Status::Ok();
  if (frame[hc_at] != Kafka3160Checksum(frame, hc_at))
    return Corrupt("lz4: frame header checksum is wrong");
  frame[hc_at] = standard;
  return Status::Ok();
}

Status BreakLz4HeaderAsKafka3160(Bytes& frame) {
  SLUICE_ASSIGN_OR_RETURN(size_t hc_at, Lz4HeaderChecksumOffset(frame));
  frame[hc_at] = Kafka3160Checksum(frame, hc_at);
  return Status::Ok();
}

}  // namespace sluice
