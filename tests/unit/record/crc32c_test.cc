#include "record/crc32c.h"

#include <gtest/gtest.h>

#include <random>

namespace sluice {
namespace {

TEST(Crc32cTest, KnownVectors) {
  EXPECT_EQ(Crc32c(AsBytes("123456789")), 0xE3069283u);
  EXPECT_EQ(Crc32c(AsBytes("")), 0u);
  // RFC 3720 (iSCSI) B.4: 32 bytes of zeros and 32 bytes of 0xFF.
  Bytes zeros(32, 0x00), ones(32, 0xFF);
  EXPECT_EQ(Crc32c(zeros), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(ones), 0x62A8AB43u);
  Bytes ascending(32);
  for (int i = 0; i < 32; ++i) ascending[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(Crc32c(ascending), 0x46DD794Eu);
  EXPECT_EQ(Crc32cExtendSoftware(0, AsBytes("123456789")), 0xE3069283u);
}

TEST(Crc32cTest, ExtendEqualsWhole) {
  std::string s = "The quick brown fox jumps over the lazy dog";
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    uint32_t first = Crc32c(AsBytes(std::string_view(s).substr(0, cut)));
    EXPECT_EQ(Crc32cExtend(first, AsBytes(std::string_view(s).substr(cut))), Crc32c(AsBytes(s)));
  }
}

TEST(Crc32cTest, HardwareMatchesSoftwareOnRandomBuffers) {
  if (!Crc32cHardwareAvailable()) GTEST_SKIP() << "CPU has no SSE4.2";
  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    Bytes buf(rng() % 5000);
    for (auto& b : buf) b = static_cast<uint8_t>(rng());
    // Unaligned starting points exercise the 8-byte loop and the byte tail.
    size_t skip = buf.empty() ? 0 : rng() % std::min<size_t>(buf.size(), 8);
    ByteView view = ByteView(buf).subspan(skip);
    uint32_t seed = rng();
    ASSERT_EQ(Crc32cExtendHardware(seed, view), Crc32cExtendSoftware(seed, view))
        << "size " << view.size();
  }
}

}  // namespace
}  // namespace sluice
