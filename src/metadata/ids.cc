#include "metadata/ids.h"

#include <mutex>
#include <random>

namespace sluice::metadata {

Uuid RandomUuidV4() {
  static std::mutex mu;
  static std::mt19937_64 rng{[] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }()};
  Uuid out;
  {
    std::lock_guard lock(mu);
    uint64_t hi = rng();
    uint64_t lo = rng();
    for (int i = 0; i < 8; ++i) {
      out[i] = static_cast<uint8_t>(hi >> (56 - 8 * i));
      out[8 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
    }
  }
  out[6] = static_cast<uint8_t>((out[6] & 0x0f) | 0x40);  // version 4
  out[8] = static_cast<uint8_t>((out[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return out;
}

std::string UuidToBase64Url(const Uuid& uuid) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (uint8_t byte : uuid) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(buffer >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (6 - bits)) & 0x3f]);
  return out;
}

}  // namespace sluice::metadata
