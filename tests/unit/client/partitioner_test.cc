#include "record/partitioner.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::client {
namespace {

int32_t Hash(const std::string& s) {
  return Murmur2(ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

// Values from Apache Kafka's UtilsTest.testMurmur2, so keys land where the Java client puts them.
TEST(Murmur2, MatchesKafkaJava) {
  EXPECT_EQ(Hash("21"), -973932308);
  EXPECT_EQ(Hash("foobar"), -790332482);
  EXPECT_EQ(Hash("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(Hash("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(Hash("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(Hash("abc"), 479470107);
}

TEST(PartitionForKey, PositiveModulo) {
  std::string key = "foobar";  // negative hash: the sign bit is masked, not negated
  ByteView k(reinterpret_cast<const uint8_t*>(key.data()), key.size());
  int32_t expected = static_cast<int32_t>((static_cast<uint32_t>(-790332482) & 0x7fffffff) % 7);
  EXPECT_EQ(PartitionForKey(k, 7), expected);
  EXPECT_EQ(PartitionForKey(k, 1), 0);
}

}  // namespace
}  // namespace sluice::client
