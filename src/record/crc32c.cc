#include "record/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define SLUICE_CRC32C_X86 1
#endif

namespace sluice {
namespace {

constexpr uint32_t kCastagnoliReversed = 0x82F63B78u;

constexpr std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kCastagnoliReversed : c >> 1;
    table[i] = c;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kTable = MakeTable();

using ExtendFn = uint32_t (*)(uint32_t, ByteView);

ExtendFn ChooseImplementation() {
  return Crc32cHardwareAvailable() ? &Crc32cExtendHardware : &Crc32cExtendSoftware;
}

}  // namespace

uint32_t Crc32cExtendSoftware(uint32_t crc, ByteView data) {
  uint32_t c = ~crc;
  for (uint8_t b : data) c = kTable[(c ^ b) & 0xFF] ^ (c >> 8);
  return ~c;
}

#ifdef SLUICE_CRC32C_X86
__attribute__((target("sse4.2"))) uint32_t Crc32cExtendHardware(uint32_t crc, ByteView data) {
  const uint8_t* p = data.data();
  size_t n = data.size();
  uint64_t c = static_cast<uint32_t>(~crc);
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);  // unaligned-safe load
    c = _mm_crc32_u64(c, word);
    p += 8;
    n -= 8;
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  while (n-- > 0) c32 = _mm_crc32_u8(c32, *p++);
  return ~c32;
}

bool Crc32cHardwareAvailable() { return __builtin_cpu_supports("sse4.2"); }
#else
uint32_t Crc32cExtendHardware(uint32_t crc, ByteView data) {
  return Crc32cExtendSoftware(crc, data);
}
bool Crc32cHardwareAvailable() { return false; }
#endif

uint32_t Crc32cExtend(uint32_t crc, ByteView data) {
  static const ExtendFn impl = ChooseImplementation();
  return impl(crc, data);
}

uint32_t Crc32c(ByteView data) { return Crc32cExtend(0, data); }

}  // namespace sluice
