#include "record/compression.h"

#include <gtest/gtest.h>

#include <random>

namespace sluice {
namespace {

constexpr CompressionCodec kAllCodecs[] = {CompressionCodec::kNone, CompressionCodec::kGzip,
                                           CompressionCodec::kSnappy, CompressionCodec::kLz4,
                                           CompressionCodec::kZstd};

Bytes SampleData(size_t size) {
  std::mt19937 rng(7);
  Bytes data(size);
  // Half-compressible: repeated words with random bytes sprinkled in.
  for (size_t i = 0; i < size; ++i)
    data[i] = (i % 7 == 0) ? static_cast<uint8_t>(rng()) : "kafka"[i % 5];
  return data;
}

TEST(CompressionTest, RoundTripsEveryCodec) {
  for (CompressionCodec codec : kAllCodecs) {
    for (size_t size : {size_t{0}, size_t{1}, size_t{1000}, size_t{200000}}) {
      Bytes data = SampleData(size);
      Result<Bytes> compressed = Compress(codec, data);
      ASSERT_TRUE(compressed.ok()) << CodecName(codec);
      if (codec != CompressionCodec::kNone && size == 200000) {
        EXPECT_LT(compressed->size(), data.size()) << CodecName(codec);
      }
      Result<Bytes> back = Decompress(codec, *compressed, size);
      ASSERT_TRUE(back.ok()) << CodecName(codec) << " " << size << ": " << back.status().ToString();
      EXPECT_EQ(*back, data) << CodecName(codec);
    }
  }
}

TEST(CompressionTest, OutputLimitDefeatsBombs) {
  Bytes zeros(10 * 1024 * 1024, 0);
  for (CompressionCodec codec : kAllCodecs) {
    Result<Bytes> compressed = Compress(codec, zeros);
    ASSERT_TRUE(compressed.ok());
    Result<Bytes> limited = Decompress(codec, *compressed, 1024 * 1024);
    ASSERT_FALSE(limited.ok()) << CodecName(codec);
    EXPECT_EQ(limited.status().code(), StatusCode::kResourceExhausted) << CodecName(codec);
    // Exactly at the limit is fine.
    Result<Bytes> exact = Decompress(codec, *compressed, zeros.size());
    ASSERT_TRUE(exact.ok()) << CodecName(codec);
    EXPECT_EQ(exact->size(), zeros.size());
  }
}

TEST(CompressionTest, RejectsGarbageAndTruncation) {
  Bytes garbage = ToBytes("this is definitely not compressed data at all!!");
  for (CompressionCodec codec : {CompressionCodec::kGzip, CompressionCodec::kLz4,
                                 CompressionCodec::kZstd, CompressionCodec::kSnappy}) {
    EXPECT_FALSE(Decompress(codec, garbage, 1 << 20).ok()) << CodecName(codec);
    Result<Bytes> compressed = Compress(codec, SampleData(5000));
    ASSERT_TRUE(compressed.ok());
    Bytes truncated(compressed->begin(), compressed->end() - 3);
    Result<Bytes> r = Decompress(codec, truncated, 1 << 20);
    EXPECT_FALSE(r.ok()) << CodecName(codec);
    EXPECT_FALSE(Decompress(codec, Bytes{}, 1 << 20).ok()) << CodecName(codec);
  }
}

TEST(CompressionTest, SnappyCompressesXerialFramed) {
  Result<Bytes> framed = Compress(CompressionCodec::kSnappy, SampleData(100000));
  ASSERT_TRUE(framed.ok());
  EXPECT_TRUE(IsXerialSnappy(*framed));
  Result<Bytes> raw = CompressSnappyRaw(SampleData(100000));
  ASSERT_TRUE(raw.ok());
  EXPECT_FALSE(IsXerialSnappy(*raw));
  Result<Bytes> back = Decompress(CompressionCodec::kSnappy, *raw, 100000);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, SampleData(100000));
}

TEST(CompressionTest, DecodesHandMadeXerialBuffer) {
  // Header: magic, version 1, compatible version 1; then two blocks [int32 BE length][raw snappy].
  // Raw snappy "hello" = length varint 5, literal tag (5-1)<<2, the bytes.
  Bytes buf = {0x82, 'S', 'N', 'A', 'P', 'P',  'Y',  0,    0,    0,   0,   1,   0,
               0,    0,   1,   0,   0,   0,    7,    0x05, 0x10, 'h', 'e', 'l', 'l',
               'o',  0,   0,   0,   8,   0x06, 0x14, ' ',  'w',  'o', 'r', 'l', 'd'};
  Result<Bytes> out = Decompress(CompressionCodec::kSnappy, buf, 100);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(AsString(*out), "hello world");
  // The limit applies across blocks.
  EXPECT_EQ(Decompress(CompressionCodec::kSnappy, buf, 8).status().code(),
            StatusCode::kResourceExhausted);
  // A block length past the end is corruption.
  Bytes bad = buf;
  bad[19] = 0x70;
  EXPECT_EQ(Decompress(CompressionCodec::kSnappy, bad, 100).status().code(),
            StatusCode::kCorruption);
}

}  // namespace
}  // namespace sluice
