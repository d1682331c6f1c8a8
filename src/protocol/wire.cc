#include "protocol/wire.h"

#include <bit>
#include <cstring>
#include <limits>

namespace sluice::protocol {

void Writer::WriteBigEndian(uint64_t v, int width) {
  for (int i = width - 1; i >= 0; --i) buf_.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void Writer::WriteFloat64(double v) { WriteBigEndian(std::bit_cast<uint64_t>(v), 8); }

void Writer::WriteUnsignedVarint(uint32_t v) { WriteUnsignedVarlong(v); }

void Writer::WriteUnsignedVarlong(uint64_t v) {
  while (v >= 0x80) {
    buf_.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  buf_.push_back(static_cast<uint8_t>(v));
}

void Writer::WriteVarint(int32_t v) {
  uint32_t u = static_cast<uint32_t>(v);
  WriteUnsignedVarint((u << 1) ^ static_cast<uint32_t>(v >> 31));
}

void Writer::WriteVarlong(int64_t v) {
  uint64_t u = static_cast<uint64_t>(v);
  WriteUnsignedVarlong((u << 1) ^ static_cast<uint64_t>(v >> 63));
}

void Writer::WriteString(std::string_view s, bool compact) {
  if (s.size() > (compact ? std::numeric_limits<uint32_t>::max() - 1
                          : static_cast<size_t>(std::numeric_limits<int16_t>::max()))) {
    ok_ = false;
  }
  if (compact) {
    WriteUnsignedVarint(static_cast<uint32_t>(s.size()) + 1);
  } else {
    WriteInt16(static_cast<int16_t>(s.size()));
  }
  WriteRaw(AsBytes(s));
}

void Writer::WriteNullableString(const std::optional<std::string>& s, bool compact, bool nullable) {
  if (s.has_value()) {
    WriteString(*s, compact);
  } else if (!nullable) {
    WriteString({}, compact);
  } else if (compact) {
    WriteUnsignedVarint(0);
  } else {
    WriteInt16(-1);
  }
}

void Writer::WriteBytes(ByteView b, bool compact) {
  if (b.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max() - 1)) ok_ = false;
  if (compact) {
    WriteUnsignedVarint(static_cast<uint32_t>(b.size()) + 1);
  } else {
    WriteInt32(static_cast<int32_t>(b.size()));
  }
  WriteRaw(b);
}

void Writer::WriteNullableBytes(const std::optional<Bytes>& b, bool compact, bool nullable) {
  if (b.has_value()) {
    WriteBytes(*b, compact);
  } else if (!nullable) {
    WriteBytes({}, compact);
  } else if (compact) {
    WriteUnsignedVarint(0);
  } else {
    WriteInt32(-1);
  }
}

void Writer::WriteArrayLength(int64_t count, bool compact) {
  if (compact) {
    WriteUnsignedVarint(count < 0 ? 0 : static_cast<uint32_t>(count) + 1);
  } else {
    WriteInt32(count < 0 ? -1 : static_cast<int32_t>(count));
  }
}

void Writer::PatchInt32(size_t pos, int32_t v) {
  uint32_t u = static_cast<uint32_t>(v);
  for (int i = 0; i < 4; ++i) buf_[pos + i] = static_cast<uint8_t>(u >> (8 * (3 - i)));
}

uint64_t Reader::ReadBigEndian(int width) {
  if (!ok() || data_.size() - pos_ < static_cast<size_t>(width)) {
    Fail("truncated fixed-width integer");
    return 0;
  }
  uint64_t v = 0;
  for (int i = 0; i < width; ++i) v = (v << 8) | data_[pos_ + i];
  pos_ += width;
  return v;
}

double Reader::ReadFloat64() { return std::bit_cast<double>(ReadBigEndian(8)); }

Uuid Reader::ReadUuid() {
  Uuid id{};
  ByteView raw = ReadRaw(id.size());
  if (raw.size() == id.size()) std::memcpy(id.data(), raw.data(), id.size());
  return id;
}

uint64_t Reader::ReadUnsignedVarlong() {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (!ok() || pos_ >= data_.size()) {
      Fail("truncated varint");
      return 0;
    }
    uint8_t b = data_[pos_++];
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  Fail("varint too long");
  return 0;
}

uint32_t Reader::ReadUnsignedVarint() {
  uint32_t v = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    if (!ok() || pos_ >= data_.size()) {
      Fail("truncated varint");
      return 0;
    }
    uint8_t b = data_[pos_++];
    if (shift == 28 && (b & 0xf0) != 0) break;  // more than 32 bits
    v |= static_cast<uint32_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  Fail("varint too long");
  return 0;
}

int32_t Reader::ReadVarint() {
  uint32_t u = ReadUnsignedVarint();
  return static_cast<int32_t>((u >> 1) ^ (~(u & 1) + 1));
}

int64_t Reader::ReadVarlong() {
  uint64_t u = ReadUnsignedVarlong();
  return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
}

int64_t Reader::ReadLength(bool compact, bool wide) {
  int64_t len;
  if (compact) {
    len = static_cast<int64_t>(ReadUnsignedVarint()) - 1;
  } else {
    len = wide ? ReadInt32() : ReadInt16();
  }
  if (!ok()) return -2;
  if (len < -1) {
    Fail("negative length");
    return -2;
  }
  if (len > static_cast<int64_t>(remaining())) {
    Fail("length exceeds remaining bytes");
    return -2;
  }
  return len;
}

ByteView Reader::ReadRaw(size_t n) {
  if (!ok() || data_.size() - pos_ < n) {
    Fail("truncated data");
    return {};
  }
  ByteView v = data_.subspan(pos_, n);
  pos_ += n;
  return v;
}

std::string Reader::ReadString(bool compact) {
  int64_t len = ReadLength(compact, false);
  if (len == -1) Fail("null string where none is allowed");
  if (len < 0) return {};
  return std::string(AsString(ReadRaw(static_cast<size_t>(len))));
}

std::optional<std::string> Reader::ReadNullableString(bool compact, bool nullable) {
  int64_t len = ReadLength(compact, false);
  if (len == -1 && !nullable) Fail("null string where none is allowed");
  if (len == -1 && nullable) return std::nullopt;
  if (len < 0) return std::string();
  return std::string(AsString(ReadRaw(static_cast<size_t>(len))));
}

Bytes Reader::ReadBytes(bool compact) {
  int64_t len = ReadLength(compact, true);
  if (len == -1) Fail("null bytes where none is allowed");
  if (len < 0) return {};
  ByteView v = ReadRaw(static_cast<size_t>(len));
  return Bytes(v.begin(), v.end());
}

std::optional<Bytes> Reader::ReadNullableBytes(bool compact, bool nullable) {
  int64_t len = ReadLength(compact, true);
  if (len == -1 && !nullable) Fail("null bytes where none is allowed");
  if (len == -1 && nullable) return std::nullopt;
  if (len < 0) return Bytes();
  ByteView v = ReadRaw(static_cast<size_t>(len));
  return Bytes(v.begin(), v.end());
}

int64_t Reader::ReadArrayLength(bool compact, bool nullable) {
  int64_t n = compact ? static_cast<int64_t>(ReadUnsignedVarint()) - 1 : ReadInt32();
  if (!ok()) return 0;
  if (n == -1 && nullable) return -1;
  if (n < 0) {
    Fail(n == -1 ? "null array where none is allowed" : "negative array length");
    return 0;
  }
  if (n > static_cast<int64_t>(remaining())) {
    Fail("array length exceeds remaining bytes");
    return 0;
  }
  return n;
}

Status Reader::status() const {
  if (ok()) return Status::Ok();
  return Status::Corruption(std::string("kafka protocol: ") + error_);
}

}  // namespace sluice::protocol
