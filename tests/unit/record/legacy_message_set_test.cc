// Legacy message sets (magic 0/1): up-conversion to record batch v2 for Produce v0-2 and
// down-conversion for Fetch v0-3.
#include "record/legacy_message_set.h"

#include <gtest/gtest.h>

#include <random>

#include "record/batch_builder.h"
#include "record/legacy_down_convert.h"
#include "record/record_batch.h"
#include "record/varint.h"

namespace sluice {
namespace {

constexpr int64_t kAppendTime = 1'800'000'000'000;

// kafka-python 2.0.2 LegacyRecordBatchBuilder output for two messages, (offset 0, ts
// 1700000000123, key "k1", value "hello") and (offset 1, ts 1700000000456, key null, value ""):
// an independent check of the layout and the CRC-32.
const Bytes kKafkaPythonMagic0 = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x15, 0x71, 0xef, 0x57,
    0x70, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x6b, 0x31, 0x00, 0x00, 0x00, 0x05, 0x68, 0x65,
    0x6c, 0x6c, 0x6f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0e,
    0x79, 0x57, 0x48, 0xe0, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00};
const Bytes kKafkaPythonMagic1 = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1d, 0x1b, 0x89, 0x0d,
    0x32, 0x01, 0x00, 0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x7b, 0x00, 0x00, 0x00, 0x02,
    0x6b, 0x31, 0x00, 0x00, 0x00, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x16, 0x92, 0x87, 0xe4, 0x96, 0x01, 0x00, 0x00,
    0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x69, 0xc8, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00};

Bytes Str(const std::string& s) { return Bytes(s.begin(), s.end()); }

struct Sample {
  std::optional<Bytes> key;
  std::optional<Bytes> value;
  int64_t timestamp;
};

std::vector<Sample> Samples(int n) {
  std::vector<Sample> out;
  for (int i = 0; i < n; ++i) {
    Sample s;
    if (i % 3 != 0) s.key = Str("key-" + std::to_string(i));
    if (i % 4 != 1) s.value = Str("value-" + std::to_string(i) + std::string(i * 7, 'x'));
    s.timestamp = 1'700'000'000'000 + i * 13;
    out.push_back(std::move(s));
  }
  return out;
}

Bytes PlainSet(int8_t magic, const std::vector<Sample>& samples) {
  Bytes out;
  for (size_t i = 0; i < samples.size(); ++i)
    AppendLegacyMessage(out, magic, static_cast<int64_t>(i), 0, samples[i].timestamp,
                        samples[i].key, samples[i].value);
  return out;
}

// One compressed wrapper around `samples`, as old clients write it (magic 1: relative inner
// offsets, wrapper offset = last inner; magic 0 LZ4 with the KAFKA-3160 header checksum).
Bytes WrappedSet(int8_t magic, CompressionCodec codec, const std::vector<Sample>& samples) {
  Bytes inner = PlainSet(magic, samples);
  Bytes compressed = *Compress(codec, inner);
  if (magic == 0 && codec == CompressionCodec::kLz4) {
    EXPECT_TRUE(BreakLz4HeaderAsKafka3160(compressed).ok());
  }
  Bytes out;
  AppendLegacyMessage(out, magic, static_cast<int64_t>(samples.size()) - 1,
                      static_cast<int8_t>(codec), samples.back().timestamp, std::nullopt,
                      compressed);
  return out;
}

std::vector<Record> DecodeConverted(const LegacyConversion& conversion) {
  auto batch = ParseBatch(conversion.batch);
  EXPECT_TRUE(batch.ok());
  if (!batch.ok()) return {};
  RecordError error;
  EXPECT_TRUE(ValidateBatch(*batch, ValidationOptions{}, &error).ok());  // CRC-32C included
  EXPECT_EQ(batch->header.codec(), conversion.codec);
  EXPECT_EQ(batch->header.record_count, conversion.record_count);
  EXPECT_EQ(batch->header.producer_id, -1);
  auto records = DecodeRecords(*batch);
  EXPECT_TRUE(records.ok());
  return records.ok() ? *records : std::vector<Record>{};
}

void ExpectSameRecords(const std::vector<Record>& records, const std::vector<Sample>& samples,
                       std::optional<int64_t> timestamp) {
  ASSERT_EQ(records.size(), samples.size());
  for (size_t i = 0; i < samples.size(); ++i) {
    EXPECT_EQ(records[i].offset, static_cast<int64_t>(i));
    EXPECT_EQ(records[i].key, samples[i].key) << i;
    EXPECT_EQ(records[i].value, samples[i].value) << i;
    EXPECT_EQ(records[i].timestamp, timestamp.value_or(samples[i].timestamp)) << i;
    EXPECT_TRUE(records[i].headers.empty());
  }
}

TEST(LegacyMessageSetTest, ParsesKafkaPythonBytes) {
  for (const Bytes* set : {&kKafkaPythonMagic0, &kKafkaPythonMagic1}) {
    auto parsed = ParseLegacyMessageSet(*set);
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    ASSERT_EQ(parsed->messages.size(), 2u);
    const int8_t magic = set == &kKafkaPythonMagic0 ? 0 : 1;
    EXPECT_EQ(parsed->messages[0].magic, magic);
    EXPECT_EQ(parsed->messages[0].key, Str("k1"));
    EXPECT_EQ(parsed->messages[0].value, Str("hello"));
    EXPECT_EQ(parsed->messages[1].key, std::nullopt);
    EXPECT_EQ(parsed->messages[1].value, Bytes{});
    EXPECT_EQ(parsed->messages[1].offset, 1);
    EXPECT_EQ(parsed->messages[0].timestamp, magic == 1 ? 1700000000123 : -1);
    EXPECT_EQ(parsed->messages[1].timestamp, magic == 1 ? 1700000000456 : -1);
    // Our writer produces the same bytes (layout and CRC-32).
    Bytes ours;
    for (const auto& m : parsed->messages)
      AppendLegacyMessage(ours, magic, m.offset, 0, m.timestamp, m.key, m.value);
    EXPECT_EQ(ours, *set);
  }
}

TEST(LegacyMessageSetTest, UncompressedMagic1KeepsTimestamps) {
  auto samples = Samples(7);
  auto conversion = ConvertLegacyMessageSet(PlainSet(1, samples), kAppendTime);
  ASSERT_TRUE(conversion.ok()) << conversion.status().message();
  EXPECT_FALSE(conversion->log_append_time);
  EXPECT_EQ(conversion->codec, CompressionCodec::kNone);
  auto batch = ParseBatch(conversion->batch);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->header.timestamp_type(), TimestampType::kCreateTime);
  ExpectSameRecords(DecodeConverted(*conversion), samples, std::nullopt);
}

TEST(LegacyMessageSetTest, Magic0GetsTheAppendTime) {
  auto samples = Samples(5);
  auto conversion = ConvertLegacyMessageSet(PlainSet(0, samples), kAppendTime);
  ASSERT_TRUE(conversion.ok()) << conversion.status().message();
  EXPECT_TRUE(conversion->log_append_time);
  auto batch = ParseBatch(conversion->batch);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->header.timestamp_type(), TimestampType::kLogAppendTime);
  EXPECT_EQ(batch->header.max_timestamp, kAppendTime);
  ExpectSameRecords(DecodeConverted(*conversion), samples, kAppendTime);
}

TEST(LegacyMessageSetTest, CompressedWrappersKeepTheirCodec) {
  for (int8_t magic : {0, 1}) {
    for (CompressionCodec codec :
         {CompressionCodec::kGzip, CompressionCodec::kSnappy, CompressionCodec::kLz4}) {
      SCOPED_TRACE("magic " + std::to_string(magic) + " " + std::string(CodecName(codec)));
      auto samples = Samples(20);
      auto conversion = ConvertLegacyMessageSet(WrappedSet(magic, codec, samples), kAppendTime);
      ASSERT_TRUE(conversion.ok()) << conversion.status().message();
      EXPECT_EQ(conversion->codec, codec);
      auto batch = ParseBatch(conversion->batch);
      ASSERT_TRUE(batch.ok());
      EXPECT_EQ(batch->header.codec(), codec);  // re-compressed with the client's codec
      ExpectSameRecords(DecodeConverted(*conversion), samples,
                        magic == 0 ? std::optional<int64_t>(kAppendTime) : std::nullopt);
    }
  }
}

TEST(LegacyMessageSetTest, RawSnappyAndSeveralWrappers) {
  auto first = Samples(3);
  auto second = Samples(4);
  Bytes inner = PlainSet(1, second);
  Bytes set = WrappedSet(1, CompressionCodec::kGzip, first);
  AppendLegacyMessage(set, 1, 7, static_cast<int8_t>(CompressionCodec::kSnappy), 0, std::nullopt,
                      *CompressSnappyRaw(inner));
  AppendLegacyMessage(set, 1, 8, 0, 42, Str("plain"), Str("tail"));
  auto conversion = ConvertLegacyMessageSet(set, kAppendTime);
  ASSERT_TRUE(conversion.ok()) << conversion.status().message();
  EXPECT_EQ(conversion->codec, CompressionCodec::kGzip);  // the first wrapper's
  auto records = DecodeConverted(*conversion);
  ASSERT_EQ(records.size(), 8u);
  EXPECT_EQ(records[3].value, second[0].value);
  EXPECT_EQ(records[7].key, Str("plain"));
  EXPECT_EQ(records[7].timestamp, 42);
}

TEST(LegacyMessageSetTest, Kafka3160Lz4HeaderChecksum) {
  Bytes frame = *Compress(CompressionCodec::kLz4, Str(std::string(1000, 'a')));
  const Bytes standard = frame;
  ASSERT_TRUE(RepairKafka3160Lz4Header(frame).ok());  // a standard header is recognised...
  EXPECT_EQ(frame, standard);                         // ...and left alone
  ASSERT_TRUE(BreakLz4HeaderAsKafka3160(frame).ok());
  ASSERT_NE(frame, standard);
  EXPECT_FALSE(Decompress(CompressionCodec::kLz4, frame, 1 << 20).ok());  // liblz4 refuses it
  ASSERT_TRUE(RepairKafka3160Lz4Header(frame).ok());
  EXPECT_EQ(frame, standard);
  // Magic 1 never had the bug: the broken checksum there is corruption.
  auto samples = Samples(3);
  Bytes rebuilt;
  Bytes broken = *Compress(CompressionCodec::kLz4, PlainSet(1, samples));
  ASSERT_TRUE(BreakLz4HeaderAsKafka3160(broken).ok());
  AppendLegacyMessage(rebuilt, 1, 2, static_cast<int8_t>(CompressionCodec::kLz4), 0, std::nullopt,
                      broken);
  EXPECT_EQ(ParseLegacyMessageSet(rebuilt).status().code(), StatusCode::kCorruption);
  Bytes garbage = standard;
  garbage[6] ^= 0xFF;  // header checksum neither standard nor KAFKA-3160
  EXPECT_FALSE(RepairKafka3160Lz4Header(garbage).ok());
}

void ExpectCorrupt(const Bytes& set, const std::string& why) {
  auto parsed = ConvertLegacyMessageSet(set, kAppendTime);
  EXPECT_FALSE(parsed.ok()) << why;
  if (!parsed.ok()) {
    EXPECT_EQ(parsed.status().code(), StatusCode::kCorruption) << why;
  }
}

TEST(LegacyMessageSetTest, MalformedSetsAreRefused) {
  auto samples = Samples(4);
  ExpectCorrupt({}, "empty");
  const Bytes plain = PlainSet(1, samples);
  std::vector<bool> is_offset(plain.size(), false);  // offsets are covered by nothing
  for (size_t at = 0; at < plain.size(); at += 12 + LoadBigEndian<int32_t>(&plain[at + 8])) {
    for (size_t i = 0; i < 8; ++i) is_offset[at + i] = true;
  }
  for (size_t i = 0; i < plain.size(); ++i) {
    if (is_offset[i]) continue;
    Bytes flipped = plain;
    flipped[i] ^= 0x5A;
    ExpectCorrupt(flipped, "flipped byte " + std::to_string(i));
  }
  for (size_t len = 1; len < plain.size(); ++len) {
    Bytes cut(plain.begin(), plain.begin() + static_cast<long>(len));
    auto parsed = ParseLegacyMessageSet(cut);
    // A cut on a message boundary is a shorter valid set; anything else is refused.
    if (parsed.ok()) {
      EXPECT_LT(parsed->messages.size(), samples.size()) << len;
    }
  }
  Bytes truncated(plain.begin(), plain.end() - 1);
  ExpectCorrupt(truncated, "partial last message");

  Bytes magic2;
  AppendLegacyMessage(magic2, 2, 0, 0, 0, std::nullopt, Str("v"));
  ExpectCorrupt(magic2, "magic 2");
  Bytes zstd;
  AppendLegacyMessage(zstd, 1, 0, 4, 0, std::nullopt,
                      *Compress(CompressionCodec::kZstd, PlainSet(1, samples)));
  ExpectCorrupt(zstd, "zstd in a legacy wrapper");
  Bytes nested;
  AppendLegacyMessage(
      nested, 1, 0, 1, 0, std::nullopt,
      *Compress(CompressionCodec::kGzip, WrappedSet(1, CompressionCodec::kGzip, samples)));
  ExpectCorrupt(nested, "nested wrapper");
  Bytes mixed;
  AppendLegacyMessage(mixed, 1, 0, 1, 0, std::nullopt,
                      *Compress(CompressionCodec::kGzip, PlainSet(0, samples)));
  ExpectCorrupt(mixed, "inner magic 0 in a magic 1 wrapper");
  Bytes empty_wrapper;
  AppendLegacyMessage(empty_wrapper, 1, 0, 1, 0, std::nullopt,
                      *Compress(CompressionCodec::kGzip, Bytes{}));
  ExpectCorrupt(empty_wrapper, "empty wrapper");
  Bytes null_wrapper;
  AppendLegacyMessage(null_wrapper, 1, 0, 2, 0, std::nullopt, std::nullopt);
  ExpectCorrupt(null_wrapper, "wrapper without value");
  Bytes not_gzip;
  AppendLegacyMessage(not_gzip, 1, 0, 1, 0, std::nullopt, Str("definitely not gzip"));
  ExpectCorrupt(not_gzip, "bad gzip");
  Bytes bad_timestamp;
  AppendLegacyMessage(bad_timestamp, 1, 0, 0, -5, std::nullopt, Str("v"));
  ExpectCorrupt(bad_timestamp, "timestamp -5");
  Bytes small_size = plain;
  StoreBigEndian<int32_t>(small_size.data() + 8, 3);
  ExpectCorrupt(small_size, "message size below the minimum");
  Bytes huge_size = plain;
  StoreBigEndian<int32_t>(huge_size.data() + 8, INT32_MAX);
  ExpectCorrupt(huge_size, "message size beyond the set");

  // Decompression is bounded: a small budget refuses a large inner set.
  Bytes big = WrappedSet(1, CompressionCodec::kGzip, Samples(200));
  EXPECT_TRUE(ParseLegacyMessageSet(big).ok());
  EXPECT_EQ(ParseLegacyMessageSet(big, 1000).status().code(), StatusCode::kCorruption);
}

TEST(LegacyMessageSetTest, RandomMutationsNeverCrash) {
  std::mt19937 rng(42);
  for (CompressionCodec codec :
       {CompressionCodec::kGzip, CompressionCodec::kSnappy, CompressionCodec::kLz4}) {
    for (int8_t magic : {0, 1}) {
      const Bytes set = WrappedSet(magic, codec, Samples(10));
      for (int round = 0; round < 300; ++round) {
        Bytes mutated = set;
        for (int f = 0; f < 3; ++f) mutated[rng() % mutated.size()] = static_cast<uint8_t>(rng());
        (void)ConvertLegacyMessageSet(mutated, kAppendTime);
      }
    }
  }
}

// Two stored batches at offsets 100.. and 105.., a control batch between them.
Bytes StoredBatches() {
  std::vector<RecordToBuild> first, second;
  for (int i = 0; i < 5; ++i) {
    RecordToBuild r;
    r.key = Str("k" + std::to_string(i));
    r.value = Str("v" + std::to_string(i));
    r.headers.push_back({"h", Str("dropped")});
    r.timestamp = 1'700'000'000'000 + i;
    first.push_back(std::move(r));
  }
  RecordToBuild tombstone;
  tombstone.key = Str("gone");
  tombstone.timestamp = 1'700'000'000'100;
  second.push_back(tombstone);
  BatchBuildOptions a;
  a.codec = CompressionCodec::kGzip;
  a.base_offset = 100;
  BatchBuildOptions control;
  control.control = true;
  control.base_offset = 105;
  BatchBuildOptions b;
  b.codec = CompressionCodec::kZstd;
  b.base_offset = 106;
  b.timestamp_type = TimestampType::kLogAppendTime;
  b.log_append_time = kAppendTime;
  Bytes out = BuildBatch(a, first);
  RecordToBuild marker;
  marker.key = Bytes{0, 0, 0, 0};
  marker.value = Bytes{0, 0, 0, 0, 0, 0};
  Bytes c = BuildBatch(control, {marker});
  out.insert(out.end(), c.begin(), c.end());
  Bytes d = BuildBatch(b, second);
  out.insert(out.end(), d.begin(), d.end());
  return out;
}

TEST(LegacyDownConvertTest, EveryRecordBecomesOneMessage) {
  const Bytes stored = StoredBatches();
  for (int8_t magic : {0, 1}) {
    DownConvertOptions options;
    options.magic = magic;
    options.fetch_offset = 100;
    auto converted = DownConvertBatches(stored, options);
    ASSERT_TRUE(converted.ok()) << converted.status().message();
    auto parsed = ParseLegacyMessageSet(*converted);  // checks every CRC
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    EXPECT_EQ(parsed->codec, CompressionCodec::kNone);
    ASSERT_EQ(parsed->messages.size(), 6u);  // the control batch is skipped
    for (int i = 0; i < 5; ++i) {
      const auto& m = parsed->messages[i];
      EXPECT_EQ(m.magic, magic);
      EXPECT_EQ(m.offset, 100 + i);
      EXPECT_EQ(m.key, Str("k" + std::to_string(i)));
      EXPECT_EQ(m.value, Str("v" + std::to_string(i)));
      EXPECT_EQ(m.timestamp, magic == 1 ? 1'700'000'000'000 + i : -1);
    }
    const auto& last = parsed->messages[5];
    EXPECT_EQ(last.offset, 106);
    EXPECT_EQ(last.key, Str("gone"));
    EXPECT_EQ(last.value, std::nullopt);
    EXPECT_EQ(last.timestamp, magic == 1 ? kAppendTime : -1);
    // LogAppendTime survives in magic 1's attributes (bit 3); nothing is compressed.
    const size_t last_size = magic == 1 ? 38 : 30;
    EXPECT_EQ((*converted)[converted->size() - last_size + 17], magic == 1 ? 0x08 : 0x00);
    EXPECT_EQ((*converted)[17], 0x00);
  }
}

TEST(LegacyDownConvertTest, FetchOffsetAndMaxBytes) {
  const Bytes stored = StoredBatches();
  DownConvertOptions options;
  options.magic = 1;
  options.fetch_offset = 103;  // inside the first batch
  auto converted = DownConvertBatches(stored, options);
  ASSERT_TRUE(converted.ok());
  auto parsed = ParseLegacyMessageSet(*converted);
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->messages.size(), 3u);
  EXPECT_EQ(parsed->messages[0].offset, 103);

  // Messages of magic 1 with a 2-byte key and value: 12 + 26 = 38 bytes each.
  options.fetch_offset = 100;
  options.max_bytes = 38 * 2 + 37;
  converted = DownConvertBatches(stored, options);
  ASSERT_TRUE(converted.ok());
  EXPECT_EQ(converted->size(), 38u * 2);  // whole messages only
  options.max_bytes = 10;
  converted = DownConvertBatches(stored, options);
  ASSERT_TRUE(converted.ok());
  EXPECT_EQ(converted->size(), 38u);  // the first goes out whole (progress)...
  options.allow_oversized_first = false;
  converted = DownConvertBatches(stored, options);
  ASSERT_TRUE(converted.ok());
  EXPECT_TRUE(converted->empty());  // ...unless another partition already answered
}

TEST(LegacyDownConvertTest, CorruptStoredBatchIsAnError) {
  const Bytes stored = StoredBatches();
  Bytes truncated(stored.begin(), stored.end() - 1);
  EXPECT_FALSE(DownConvertBatches(truncated, DownConvertOptions{}).ok());
  Bytes magic1 = stored;
  magic1[kBatchMagicOffset] = 1;
  EXPECT_FALSE(DownConvertBatches(magic1, DownConvertOptions{}).ok());
  Bytes bad_count = stored;
  StoreBigEndian<int32_t>(bad_count.data() + kBatchHeaderSize - 4, 1000);
  EXPECT_FALSE(DownConvertBatches(bad_count, DownConvertOptions{}).ok());
  EXPECT_FALSE(DownConvertBatches(Bytes{1, 2, 3}, DownConvertOptions{}).ok());
  EXPECT_EQ(LegacyMagicForFetchVersion(0), 0);
  EXPECT_EQ(LegacyMagicForFetchVersion(1), 0);
  EXPECT_EQ(LegacyMagicForFetchVersion(2), 1);
  EXPECT_EQ(LegacyMagicForFetchVersion(3), 1);
}

}  // namespace
}  // namespace sluice
