// Time-ordered unique ids (ULID: 48-bit milliseconds + 80 random bits, Crockford base32), used to
// name objects so keys sort by creation time and never collide between agents.
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace sluice {

class UlidGenerator {
 public:
  UlidGenerator();
  std::string Next(int64_t now_ms);

 private:
  std::mt19937_64 rng_;
};

}  // namespace sluice
