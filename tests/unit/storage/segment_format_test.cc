#include "storage/segment_format.h"

#include <gtest/gtest.h>

#include "record/batch_builder.h"
#include "record/record_batch.h"

namespace sluice {
namespace {

Bytes Batch(int records, CompressionCodec codec) {
  std::vector<RecordToBuild> input(records);
  for (int i = 0; i < records; ++i) {
    input[i].value = ToBytes("payload-" + std::to_string(i));
    input[i].timestamp = 1000 + i;
  }
  BatchBuildOptions options;
  options.codec = codec;
  return BuildBatch(options, input);
}

struct Built {
  Bytes object;
  std::vector<Bytes> batches;
  std::vector<ChunkMeta> chunks;
};

Built BuildObject() {
  Built b;
  b.batches = {Batch(3, CompressionCodec::kNone), Batch(5, CompressionCodec::kZstd),
               Batch(1, CompressionCodec::kGzip)};
  SegmentWriter writer;
  for (size_t i = 0; i < b.batches.size(); ++i) {
    ChunkMeta meta;
    meta.topic = i == 1 ? "orders" : "clicks";
    meta.topic_id[0] = static_cast<uint8_t>(i + 1);
    meta.partition = static_cast<int32_t>(i);
    meta.record_count = i == 0 ? 3 : i == 1 ? 5 : 1;
    meta.last_offset_delta = meta.record_count - 1;
    meta.first_timestamp = 1000;
    meta.max_timestamp = 1000 + meta.last_offset_delta;
    if (i == 1) {
      meta.producer_id = 88;
      meta.producer_epoch = 4;
      meta.base_sequence = 17;
    }
    meta.byte_offset = 12345;  // overwritten by the writer
    writer.AddChunk(meta, b.batches[i]);
  }
  b.chunks = writer.chunks();
  b.object = writer.Finish("01HZXOBJECT", 0);
  return b;
}

TEST(SegmentFormatTest, RoundTripsFooterAndChunkBytes) {
  Built b = BuildObject();
  Result<SegmentFooter> footer = ParseSegmentFooter(b.object);
  ASSERT_TRUE(footer.ok()) << footer.status().ToString();
  EXPECT_EQ(footer->version, kSegmentFooterVersion);
  EXPECT_EQ(footer->object_id, "01HZXOBJECT");
  EXPECT_EQ(footer->level, 0);
  ASSERT_EQ(footer->chunks.size(), 3u);
  EXPECT_EQ(footer->chunks, b.chunks);
  uint64_t expected_offset = 0;
  for (size_t i = 0; i < 3; ++i) {
    const ChunkMeta& c = footer->chunks[i];
    EXPECT_EQ(c.byte_offset, expected_offset);
    EXPECT_EQ(c.byte_length, b.batches[i].size());
    expected_offset += c.byte_length;
    // The chunk range holds the batch exactly as given, and it still validates.
    ByteView chunk = ByteView(b.object).subspan(c.byte_offset, c.byte_length);
    EXPECT_TRUE(std::equal(chunk.begin(), chunk.end(), b.batches[i].begin()));
    Result<BatchView> view = ParseBatch(chunk);
    ASSERT_TRUE(view.ok());
    EXPECT_TRUE(ValidateBatch(*view, {}).ok());
  }
  EXPECT_EQ(footer->chunks[1].topic, "orders");
  EXPECT_EQ(footer->chunks[1].producer_id, 88);
  EXPECT_EQ(footer->chunks[1].base_sequence, 17);
  EXPECT_EQ(footer->chunks[2].topic_id[0], 3);
}

TEST(SegmentFormatTest, ChunkMetaComesFromTheBatchHeader) {
  BatchBuildOptions options;
  options.producer_id = 5;
  options.producer_epoch = 1;
  options.base_sequence = 40;
  Bytes batch = BuildBatch(options, {{std::nullopt, ToBytes("a"), {}, 300},
                                     {std::nullopt, ToBytes("b"), {}, 900},
                                     {std::nullopt, ToBytes("c"), {}, 600}});
  Result<BatchView> view = ParseBatch(batch);
  ASSERT_TRUE(view.ok());
  ChunkMeta meta = ChunkMetaForBatch("t", 7, view->header);
  EXPECT_EQ(meta.topic, "t");
  EXPECT_EQ(meta.partition, 7);
  EXPECT_EQ(meta.record_count, 3);
  EXPECT_EQ(meta.last_offset_delta, 2);
  EXPECT_EQ(meta.first_timestamp, 300);
  EXPECT_EQ(meta.max_timestamp, 900);
  EXPECT_EQ(meta.producer_id, 5);
  EXPECT_EQ(meta.producer_epoch, 1);
  EXPECT_EQ(meta.base_sequence, 40);
}

TEST(SegmentFormatTest, TrailerIsLittleEndianLengthThenMagic) {
  Built b = BuildObject();
  const uint8_t* t = b.object.data() + b.object.size() - 8;
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(t + 4), 4), "SLSG");
  uint32_t len = t[0] | t[1] << 8 | t[2] << 16 | uint32_t{t[3]} << 24;
  Result<uint32_t> parsed = ParseSegmentTrailer(b.object);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, len);
  size_t data = 0;
  for (auto& batch : b.batches) data += batch.size();
  EXPECT_EQ(data + len + 8, b.object.size());
}

TEST(SegmentFormatTest, ParsesFromTailOnly) {
  Built b = BuildObject();
  Result<uint32_t> len = ParseSegmentTrailer(ByteView(b.object).last(8));
  ASSERT_TRUE(len.ok());
  ByteView tail = ByteView(b.object).last(*len + 8);
  Result<SegmentFooter> footer = ParseSegmentFooterFromTail(tail, b.object.size());
  ASSERT_TRUE(footer.ok()) << footer.status().ToString();
  EXPECT_EQ(footer->chunks, b.chunks);
  // A longer tail works too; a too-short one is refused, not misread.
  EXPECT_TRUE(ParseSegmentFooterFromTail(ByteView(b.object).last(*len + 50), b.object.size()).ok());
  EXPECT_FALSE(ParseSegmentFooterFromTail(ByteView(b.object).last(*len + 7), b.object.size()).ok());
}

TEST(SegmentFormatTest, EveryFlippedFooterByteIsDetected) {
  Built b = BuildObject();
  size_t footer_start = b.chunks.back().byte_offset + b.chunks.back().byte_length;
  for (size_t i = footer_start; i < b.object.size(); ++i) {
    Bytes bad = b.object;
    bad[i] ^= 0x40;
    EXPECT_FALSE(ParseSegmentFooter(bad).ok()) << "byte " << i;
  }
}

TEST(SegmentFormatTest, TruncatedObjectsAreErrors) {
  Built b = BuildObject();
  for (size_t cut = 0; cut < b.object.size(); ++cut) {
    EXPECT_FALSE(ParseSegmentFooter(ByteView(b.object).first(cut)).ok()) << cut;
    // Dropping leading bytes shrinks the data area below what the footer describes.
    if (cut > 0) {
      EXPECT_FALSE(ParseSegmentFooter(ByteView(b.object).subspan(cut)).ok()) << cut;
    }
  }
}

TEST(SegmentFormatTest, RejectsFootersDescribingImpossibleRanges) {
  SegmentFooter f;
  f.object_id = "x";
  ChunkMeta a, c;
  a.byte_offset = 0;
  a.byte_length = 10;
  c.byte_offset = 5;  // overlaps a
  c.byte_length = 10;
  f.chunks = {a, c};
  Bytes object(20, 0);
  Bytes footer = EncodeSegmentFooter(f);
  object.insert(object.end(), footer.begin(), footer.end());
  uint32_t len = static_cast<uint32_t>(footer.size());
  for (int i = 0; i < 4; ++i) object.push_back(static_cast<uint8_t>(len >> (8 * i)));
  for (int i = 0; i < 4; ++i) object.push_back(static_cast<uint8_t>(kSegmentMagic >> (8 * i)));
  EXPECT_EQ(ParseSegmentFooter(object).status().code(), StatusCode::kCorruption);

  f.chunks[1].byte_offset = 10;  // now adjacent: valid
  footer = EncodeSegmentFooter(f);
  Bytes ok_object(20, 0);
  ok_object.insert(ok_object.end(), footer.begin(), footer.end());
  for (int i = 0; i < 4; ++i) ok_object.push_back(static_cast<uint8_t>(footer.size() >> (8 * i)));
  for (int i = 0; i < 4; ++i) ok_object.push_back(static_cast<uint8_t>(kSegmentMagic >> (8 * i)));
  EXPECT_TRUE(ParseSegmentFooter(ok_object).ok());

  SegmentWriter empty;
  Result<SegmentFooter> none = ParseSegmentFooter(empty.Finish("empty", 2));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->chunks.empty());
  EXPECT_EQ(none->level, 2);
}

}  // namespace
}  // namespace sluice
