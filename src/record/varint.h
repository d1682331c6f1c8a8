// Zigzag varints of Kafka's record format (int32 in at most 5 bytes, int64 in at most 10),
// plus the big-endian fixed-width helpers the batch header needs.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "common/bytes.h"

namespace sluice {

inline uint32_t ZigzagEncode32(int32_t v) {
  return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
}
inline uint64_t ZigzagEncode64(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int32_t ZigzagDecode32(uint32_t v) {
  return static_cast<int32_t>((v >> 1) ^ (~(v & 1) + 1));
}
inline int64_t ZigzagDecode64(uint64_t v) {
  return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
}

inline void PutUnsignedVarint(Bytes& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<uint8_t>(v));
}
inline void PutVarint(Bytes& out, int32_t v) { PutUnsignedVarint(out, ZigzagEncode32(v)); }
inline void PutVarlong(Bytes& out, int64_t v) { PutUnsignedVarint(out, ZigzagEncode64(v)); }

inline size_t UnsignedVarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
inline size_t VarintSize(int32_t v) { return UnsignedVarintSize(ZigzagEncode32(v)); }
inline size_t VarlongSize(int64_t v) { return UnsignedVarintSize(ZigzagEncode64(v)); }

// Reads an unsigned varint of at most `max_bytes` bytes whose value fits in `value_bits` bits,
// advancing `in`. Returns false (leaving `in` unchanged) when truncated, too long or overflowing.
inline bool GetUnsignedVarint(ByteView& in, int max_bytes, int value_bits, uint64_t* out) {
  uint64_t result = 0;
  for (int i = 0; i < max_bytes && static_cast<size_t>(i) < in.size(); ++i) {
    uint64_t b = in[i];
    int shift = 7 * i;
    int bits_left = value_bits - shift;  // bits this byte may still carry
    if (bits_left < 7 && (b & 0x7F) >> bits_left) return false;
    result |= (b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      *out = result;
      in = in.subspan(i + 1);
      return true;
    }
  }
  return false;
}

inline bool GetVarint(ByteView& in, int32_t* out) {
  uint64_t v;
  if (!GetUnsignedVarint(in, 5, 32, &v)) return false;
  *out = ZigzagDecode32(static_cast<uint32_t>(v));
  return true;
}
inline bool GetVarlong(ByteView& in, int64_t* out) {
  uint64_t v;
  if (!GetUnsignedVarint(in, 10, 64, &v)) return false;
  *out = ZigzagDecode64(v);
  return true;
}

// Big-endian fixed-width access (the batch header is big-endian).
template <typename T>
inline T LoadBigEndian(const uint8_t* p) {
  using U = std::make_unsigned_t<T>;
  U v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v = static_cast<U>((v << 8) | p[i]);
  return static_cast<T>(v);
}
template <typename T>
inline void StoreBigEndian(uint8_t* p, T value) {
  using U = std::make_unsigned_t<T>;
  U v = static_cast<U>(value);
  for (size_t i = sizeof(T); i-- > 0;) {
    p[i] = static_cast<uint8_t>(v & 0xFF);
    v = static_cast<U>(v >> 8);
  }
}
template <typename T>
inline void PutBigEndian(Bytes& out, T value) {
  size_t at = out.size();
  out.resize(at + sizeof(T));
  StoreBigEndian<T>(out.data() + at, value);
}

}  // namespace sluice
