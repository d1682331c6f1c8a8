#include "protocol/wire.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

namespace sluice::protocol {
namespace {

TEST(WireTest, FixedWidthIntegersAreBigEndian) {
  Writer w;
  w.WriteInt16(0x0102);
  w.WriteInt32(-2);
  w.WriteInt64(0x0102030405060708);
  w.WriteUint16(0xfffe);
  EXPECT_EQ(w.buffer(), (Bytes{0x01, 0x02, 0xff, 0xff, 0xff, 0xfe, 0x01, 0x02, 0x03, 0x04, 0x05,
                               0x06, 0x07, 0x08, 0xff, 0xfe}));
  Reader r(w.buffer());
  EXPECT_EQ(r.ReadInt16(), 0x0102);
  EXPECT_EQ(r.ReadInt32(), -2);
  EXPECT_EQ(r.ReadInt64(), 0x0102030405060708);
  EXPECT_EQ(r.ReadUint16(), 0xfffe);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(WireTest, Float64RoundTrips) {
  Writer w;
  w.WriteFloat64(1.5);
  EXPECT_EQ(w.buffer(), (Bytes{0x3f, 0xf8, 0, 0, 0, 0, 0, 0}));
  Reader r(w.buffer());
  EXPECT_EQ(r.ReadFloat64(), 1.5);
}

TEST(WireTest, UnsignedVarintEdgeValues) {
  struct Case {
    uint32_t value;
    Bytes bytes;
  };
  for (const Case& c :
       {Case{0, {0x00}}, Case{1, {0x01}}, Case{127, {0x7f}}, Case{128, {0x80, 0x01}},
        Case{300, {0xac, 0x02}}, Case{16383, {0xff, 0x7f}}, Case{16384, {0x80, 0x80, 0x01}},
        Case{0xffffffff, {0xff, 0xff, 0xff, 0xff, 0x0f}}}) {
    Writer w;
    w.WriteUnsignedVarint(c.value);
    EXPECT_EQ(w.buffer(), c.bytes) << c.value;
    Reader r(c.bytes);
    EXPECT_EQ(r.ReadUnsignedVarint(), c.value);
    EXPECT_TRUE(r.ok());
  }
}

TEST(WireTest, ZigzagVarintEdgeValues) {
  struct Case {
    int32_t value;
    Bytes bytes;
  };
  for (const Case& c :
       {Case{0, {0x00}}, Case{-1, {0x01}}, Case{1, {0x02}}, Case{-64, {0x7f}},
        Case{64, {0x80, 0x01}},
        Case{std::numeric_limits<int32_t>::max(), {0xfe, 0xff, 0xff, 0xff, 0x0f}},
        Case{std::numeric_limits<int32_t>::min(), {0xff, 0xff, 0xff, 0xff, 0x0f}}}) {
    Writer w;
    w.WriteVarint(c.value);
    EXPECT_EQ(w.buffer(), c.bytes) << c.value;
    Reader r(c.bytes);
    EXPECT_EQ(r.ReadVarint(), c.value);
    EXPECT_TRUE(r.ok());
  }
}

TEST(WireTest, ZigzagVarlongEdgeValues) {
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1}, int64_t{1} << 40,
                    std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}) {
    Writer w;
    w.WriteVarlong(v);
    Reader r(w.buffer());
    EXPECT_EQ(r.ReadVarlong(), v);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
  }
  Writer w;
  w.WriteVarlong(std::numeric_limits<int64_t>::min());
  EXPECT_EQ(w.size(), 10u);
}

TEST(WireTest, OverlongVarintIsAnError) {
  Bytes five_with_high_bits{0xff, 0xff, 0xff, 0xff, 0x1f};  // 33 bits
  Reader r(five_with_high_bits);
  r.ReadUnsignedVarint();
  EXPECT_FALSE(r.ok());
  Bytes endless(11, 0xff);
  Reader r2(endless);
  r2.ReadUnsignedVarlong();
  EXPECT_FALSE(r2.ok());
  Bytes truncated{0x80};
  Reader r3(truncated);
  r3.ReadVarint();
  EXPECT_FALSE(r3.ok());
  EXPECT_EQ(r3.status().code(), StatusCode::kCorruption);
}

TEST(WireTest, ClassicAndCompactStrings) {
  Writer w;
  w.WriteString("ab", /*compact=*/false);
  w.WriteString("ab", /*compact=*/true);
  w.WriteString("", /*compact=*/true);
  EXPECT_EQ(w.buffer(), (Bytes{0x00, 0x02, 'a', 'b', 0x03, 'a', 'b', 0x01}));
  Reader r(w.buffer());
  EXPECT_EQ(r.ReadString(false), "ab");
  EXPECT_EQ(r.ReadString(true), "ab");
  EXPECT_EQ(r.ReadString(true), "");
  EXPECT_TRUE(r.ok());
}

TEST(WireTest, NullStringsAndBytes) {
  Writer w;
  w.WriteNullableString(std::nullopt, false);
  w.WriteNullableString(std::nullopt, true);
  w.WriteNullableBytes(std::nullopt, false);
  w.WriteNullableBytes(std::nullopt, true);
  w.WriteNullableString(std::nullopt, false, /*nullable=*/false);  // written as empty
  EXPECT_EQ(w.buffer(), (Bytes{0xff, 0xff, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00}));
  Reader r(w.buffer());
  EXPECT_EQ(r.ReadNullableString(false), std::nullopt);
  EXPECT_EQ(r.ReadNullableString(true), std::nullopt);
  EXPECT_EQ(r.ReadNullableBytes(false), std::nullopt);
  EXPECT_EQ(r.ReadNullableBytes(true), std::nullopt);
  EXPECT_EQ(r.ReadNullableString(false, false), std::optional<std::string>(""));
  EXPECT_TRUE(r.ok());
}

TEST(WireTest, NullWhereNotAllowedIsAnError) {
  Bytes null_string{0xff, 0xff};
  Reader r(null_string);
  r.ReadString(false);
  EXPECT_FALSE(r.ok());
  Bytes compact_null{0x00};
  Reader r2(compact_null);
  r2.ReadBytes(true);
  EXPECT_FALSE(r2.ok());
  Bytes null_array{0xff, 0xff, 0xff, 0xff};
  Reader r3(null_array);
  r3.ReadArrayLength(false, /*nullable=*/false);
  EXPECT_FALSE(r3.ok());
  Reader r4(null_array);
  EXPECT_EQ(r4.ReadArrayLength(false, /*nullable=*/true), -1);
  EXPECT_TRUE(r4.ok());
}

TEST(WireTest, LengthsBeyondInputAreErrors) {
  Bytes long_string{0x00, 0x05, 'a', 'b'};
  Reader r(long_string);
  EXPECT_EQ(r.ReadString(false), "");
  EXPECT_FALSE(r.ok());
  Bytes huge_bytes{0x7f, 0xff, 0xff, 0xff, 1, 2, 3};
  Reader r2(huge_bytes);
  r2.ReadBytes(false);
  EXPECT_FALSE(r2.ok());
  Bytes huge_array{0x7f, 0xff, 0xff, 0xff, 0, 0};
  Reader r3(huge_array);
  EXPECT_EQ(r3.ReadArrayLength(false), 0);
  EXPECT_FALSE(r3.ok());
  Bytes negative_string{0xff, 0xfe};
  Reader r4(negative_string);
  r4.ReadNullableString(false);
  EXPECT_FALSE(r4.ok());
}

TEST(WireTest, ErrorIsSticky) {
  Bytes data{0x01};
  Reader r(data);
  r.ReadInt32();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.ReadInt8(), 0);  // the byte that is there is no longer handed out
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(WireTest, CompactArrayLengthAndPatch) {
  Writer w;
  w.WriteInt32(0);
  w.WriteArrayLength(2, true);
  w.WriteArrayLength(-1, true);
  w.WriteArrayLength(-1, false);
  w.PatchInt32(0, 0x01020304);
  EXPECT_EQ(w.buffer(), (Bytes{1, 2, 3, 4, 0x03, 0x00, 0xff, 0xff, 0xff, 0xff}));
}

TEST(WireTest, OversizedClassicStringMarksWriterBad) {
  Writer w;
  w.WriteString(std::string(32767, 'x'), /*compact=*/false);
  EXPECT_TRUE(w.ok());
  w.WriteString(std::string(32768, 'x'), /*compact=*/false);
  EXPECT_FALSE(w.ok());
  Writer compact;
  compact.WriteString(std::string(40000, 'x'), /*compact=*/true);
  EXPECT_TRUE(compact.ok());
}

TEST(WireTest, UuidRoundTrips) {
  Uuid id{};
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(i * 3);
  Writer w;
  w.WriteUuid(id);
  EXPECT_EQ(w.size(), 16u);
  Reader r(w.buffer());
  EXPECT_EQ(r.ReadUuid(), id);
  Bytes short_uuid(15, 0);
  Reader r2(short_uuid);
  r2.ReadUuid();
  EXPECT_FALSE(r2.ok());
}

}  // namespace
}  // namespace sluice::protocol
