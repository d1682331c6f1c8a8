// Kafka wire primitives: a Writer that appends big-endian / varint / compact encodings to a
// buffer, and a bounds-checked Reader with a sticky error so decoders can read straight through
// and check once at the end.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"

namespace sluice::protocol {

using Uuid = std::array<uint8_t, 16>;

class Writer {
 public:
  Writer() = default;

  void WriteBool(bool v) { WriteInt8(v ? 1 : 0); }
  void WriteInt8(int8_t v) { buf_.push_back(static_cast<uint8_t>(v)); }
  void WriteInt16(int16_t v) { WriteBigEndian(static_cast<uint16_t>(v), 2); }
  void WriteUint16(uint16_t v) { WriteBigEndian(v, 2); }
  void WriteInt32(int32_t v) { WriteBigEndian(static_cast<uint32_t>(v), 4); }
  void WriteUint32(uint32_t v) { WriteBigEndian(v, 4); }
  void WriteInt64(int64_t v) { WriteBigEndian(static_cast<uint64_t>(v), 8); }
  void WriteFloat64(double v);
  void WriteUuid(const Uuid& v) { buf_.insert(buf_.end(), v.begin(), v.end()); }

  void WriteUnsignedVarint(uint32_t v);
  void WriteUnsignedVarlong(uint64_t v);
  void WriteVarint(int32_t v);   // zigzag
  void WriteVarlong(int64_t v);  // zigzag

  // Strings and bytes. `compact` selects the flexible-version encoding (unsigned varint
  // length + 1); otherwise INT16 (strings) / INT32 (bytes) lengths. `nullable` false means the
  // version has no null encoding, so a null value is written as empty.
  void WriteString(std::string_view s, bool compact);
  void WriteNullableString(const std::optional<std::string>& s, bool compact, bool nullable = true);
  void WriteBytes(ByteView b, bool compact);
  void WriteNullableBytes(const std::optional<Bytes>& b, bool compact, bool nullable = true);
  // Array length prefix; a negative `count` writes the null array marker.
  void WriteArrayLength(int64_t count, bool compact);

  void WriteRaw(ByteView b) { buf_.insert(buf_.end(), b.begin(), b.end()); }
  // Overwrites 4 bytes at `pos` (e.g. a size prefix reserved earlier).
  void PatchInt32(size_t pos, int32_t v);

  size_t size() const { return buf_.size(); }
  // False once a value did not fit its length field (e.g. a 40000-byte INT16-length string);
  // the buffer is then not a valid message and must not be sent.
  bool ok() const { return ok_; }
  const Bytes& buffer() const { return buf_; }
  Bytes Take() { return std::move(buf_); }

 private:
  void WriteBigEndian(uint64_t v, int width);
  Bytes buf_;
  bool ok_ = true;
};

class Reader {
 public:
  explicit Reader(ByteView data) : data_(data) {}

  bool ReadBool() { return ReadInt8() != 0; }
  int8_t ReadInt8() { return static_cast<int8_t>(ReadBigEndian(1)); }
  int16_t ReadInt16() { return static_cast<int16_t>(ReadBigEndian(2)); }
  uint16_t ReadUint16() { return static_cast<uint16_t>(ReadBigEndian(2)); }
  int32_t ReadInt32() { return static_cast<int32_t>(ReadBigEndian(4)); }
  uint32_t ReadUint32() { return static_cast<uint32_t>(ReadBigEndian(4)); }
  int64_t ReadInt64() { return static_cast<int64_t>(ReadBigEndian(8)); }
  double ReadFloat64();
  Uuid ReadUuid();

  uint32_t ReadUnsignedVarint();
  uint64_t ReadUnsignedVarlong();
  int32_t ReadVarint();
  int64_t ReadVarlong();

  std::string ReadString(bool compact);
  std::optional<std::string> ReadNullableString(bool compact, bool nullable = true);
  Bytes ReadBytes(bool compact);
  std::optional<Bytes> ReadNullableBytes(bool compact, bool nullable = true);
  // Array element count; -1 for a null array (only when `nullable`). The count is checked
  // against the bytes left (every element takes at least one byte), so callers may reserve it.
  int64_t ReadArrayLength(bool compact, bool nullable = false);

  // Returns a view of the next `n` bytes and consumes them (empty view on error).
  ByteView ReadRaw(size_t n);

  size_t remaining() const { return ok() ? data_.size() - pos_ : 0; }
  size_t position() const { return pos_; }
  bool ok() const { return error_ == nullptr; }
  // Records the first error; later reads return zero values and consume nothing.
  void Fail(const char* why) {
    if (error_ == nullptr) error_ = why;
  }
  Status status() const;

 private:
  uint64_t ReadBigEndian(int width);
  // Reads a string/bytes length; returns -1 for null, -2 on error.
  int64_t ReadLength(bool compact, bool wide);

  ByteView data_;
  size_t pos_ = 0;
  const char* error_ = nullptr;
};

}  // namespace sluice::protocol
