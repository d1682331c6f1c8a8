#include "record/varint.h"

#include <gtest/gtest.h>

#include <limits>

namespace sluice {
namespace {

TEST(VarintTest, ZigzagEncodingMatchesKafka) {
  Bytes out;
  PutVarint(out, 0);
  PutVarint(out, -1);
  PutVarint(out, 1);
  PutVarint(out, -2);
  PutVarint(out, 63);
  PutVarint(out, -64);
  PutVarint(out, 64);  // zigzag 128 -> two bytes
  EXPECT_EQ(out, (Bytes{0x00, 0x01, 0x02, 0x03, 0x7E, 0x7F, 0x80, 0x01}));
}

TEST(VarintTest, RoundTripsExtremes) {
  for (int32_t v : {0, 1, -1, 300, -300, std::numeric_limits<int32_t>::max(),
                    std::numeric_limits<int32_t>::min()}) {
    Bytes out;
    PutVarint(out, v);
    EXPECT_EQ(out.size(), VarintSize(v));
    ByteView in(out);
    int32_t back;
    ASSERT_TRUE(GetVarint(in, &back));
    EXPECT_EQ(back, v);
    EXPECT_TRUE(in.empty());
  }
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1} << 40, std::numeric_limits<int64_t>::max(),
                    std::numeric_limits<int64_t>::min()}) {
    Bytes out;
    PutVarlong(out, v);
    EXPECT_EQ(out.size(), VarlongSize(v));
    ByteView in(out);
    int64_t back;
    ASSERT_TRUE(GetVarlong(in, &back));
    EXPECT_EQ(back, v);
    EXPECT_TRUE(in.empty());
  }
  Bytes max64;
  PutVarlong(max64, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(max64.size(), 10u);
}

TEST(VarintTest, RejectsTruncatedOverlongAndOverflowing) {
  int32_t v32;
  int64_t v64;
  Bytes truncated{0x80, 0x80};
  ByteView in(truncated);
  EXPECT_FALSE(GetVarint(in, &v32));
  EXPECT_EQ(in.size(), 2u);  // unchanged on failure
  Bytes six_bytes{0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
  in = six_bytes;
  EXPECT_FALSE(GetVarint(in, &v32));
  Bytes overflow32{0xFF, 0xFF, 0xFF, 0xFF, 0x1F};  // 35 bits
  in = overflow32;
  EXPECT_FALSE(GetVarint(in, &v32));
  Bytes max32{0xFF, 0xFF, 0xFF, 0xFF, 0x0F};
  in = max32;
  EXPECT_TRUE(GetVarint(in, &v32));
  EXPECT_EQ(v32, std::numeric_limits<int32_t>::min());
  Bytes eleven(10, 0x80);
  eleven.push_back(0x01);
  in = eleven;
  EXPECT_FALSE(GetVarlong(in, &v64));
  Bytes empty;
  in = empty;
  EXPECT_FALSE(GetVarlong(in, &v64));
}

TEST(VarintTest, BigEndianHelpers) {
  Bytes out;
  PutBigEndian<int32_t>(out, 0x01020304);
  PutBigEndian<int16_t>(out, -2);
  EXPECT_EQ(out, (Bytes{1, 2, 3, 4, 0xFF, 0xFE}));
  EXPECT_EQ(LoadBigEndian<int32_t>(out.data()), 0x01020304);
  EXPECT_EQ(LoadBigEndian<int16_t>(out.data() + 4), -2);
}

}  // namespace
}  // namespace sluice
