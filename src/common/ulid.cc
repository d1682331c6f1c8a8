#include "common/ulid.h"

namespace sluice {

namespace {
constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
}

UlidGenerator::UlidGenerator() {
  std::random_device device;
  std::seed_seq seed{device(), device(), device(), device()};
  rng_.seed(seed);
}

std::string UlidGenerator::Next(int64_t now_ms) {
  // 128 bits: 48 time bits then 80 random bits, written as 26 base32 digits (130 bits, top 2 zero).
  unsigned __int128 value =
      static_cast<unsigned __int128>(static_cast<uint64_t>(now_ms) & 0xFFFFFFFFFFFFull) << 80;
  unsigned __int128 random = (static_cast<unsigned __int128>(rng_() & 0xFFFF) << 64) | rng_();
  value |= random;
  std::string out(26, '0');
  for (int i = 25; i >= 0; --i) {
    out[i] = kAlphabet[static_cast<unsigned>(value & 31)];
    value >>= 5;
  }
  return out;
}

}  // namespace sluice
