#include "record/record_batch.h"

#include <gtest/gtest.h>

#include "record/batch_builder.h"
#include "record/crc32c.h"
#include "record/varint.h"

namespace sluice {
namespace {

constexpr CompressionCodec kAllCodecs[] = {CompressionCodec::kNone, CompressionCodec::kGzip,
                                           CompressionCodec::kSnappy, CompressionCodec::kLz4,
                                           CompressionCodec::kZstd};

void FixCrc(Bytes& batch) {
  StoreBigEndian<uint32_t>(batch.data() + kBatchCrcOffset,
                           Crc32c(ByteView(batch).subspan(kBatchAttributesOffset)));
}

std::vector<RecordToBuild> SampleRecords(int n) {
  std::vector<RecordToBuild> records;
  for (int i = 0; i < n; ++i) {
    RecordToBuild r;
    if (i % 3 != 0) r.key = ToBytes("key-" + std::to_string(i));
    if (i % 4 != 1) r.value = ToBytes("value-" + std::to_string(i) + std::string(i * 10, 'x'));
    if (i % 2 == 0) r.headers.push_back({"h" + std::to_string(i), ToBytes("hv")});
    if (i % 5 == 0) r.headers.push_back({"null-header", std::nullopt});
    r.timestamp = 1'700'000'000'000 + (i * 37) % 11;  // not monotonic on purpose
    records.push_back(std::move(r));
  }
  return records;
}

BatchView MustParse(ByteView bytes) {
  Result<BatchView> view = ParseBatch(bytes);
  EXPECT_TRUE(view.ok()) << view.status().ToString();
  return view.ok() ? *view : BatchView{};
}

RecordError ValidateError(const Bytes& batch, ValidationOptions options = {}) {
  Result<BatchView> view = ParseBatch(batch);
  if (!view.ok()) return RecordError::kCorruptMessage;
  RecordError error = RecordError::kNone;
  Status st = ValidateBatch(*view, options, &error);
  EXPECT_EQ(st.ok(), error == RecordError::kNone) << st.ToString();
  return error;
}

TEST(RecordBatchTest, BuilderMatchesHandAssembledLayout) {
  BatchBuildOptions options;
  options.base_offset = 5;
  options.producer_id = 77;
  options.producer_epoch = 3;
  options.base_sequence = 9;
  Bytes built = BuildBatch(options, {{ToBytes("k"), ToBytes("v"), {}, 1000}});

  Bytes expected;
  PutBigEndian<int64_t>(expected, 5);       // baseOffset
  PutBigEndian<int32_t>(expected, 49 + 9);  // batchLength
  PutBigEndian<int32_t>(expected, -1);      // partitionLeaderEpoch
  expected.push_back(2);                    // magic
  PutBigEndian<uint32_t>(expected, 0);      // crc placeholder
  PutBigEndian<int16_t>(expected, 0);       // attributes
  PutBigEndian<int32_t>(expected, 0);       // lastOffsetDelta
  PutBigEndian<int64_t>(expected, 1000);    // baseTimestamp
  PutBigEndian<int64_t>(expected, 1000);    // maxTimestamp
  PutBigEndian<int64_t>(expected, 77);      // producerId
  PutBigEndian<int16_t>(expected, 3);       // producerEpoch
  PutBigEndian<int32_t>(expected, 9);       // baseSequence
  PutBigEndian<int32_t>(expected, 1);       // recordCount
  // length 8, attrs, tsDelta 0, offsetDelta 0, key len 1 "k", value len 1 "v", 0 headers.
  for (int b : {0x10, 0x00, 0x00, 0x00, 0x02, int{'k'}, 0x02, int{'v'}, 0x00}) {
    expected.push_back(static_cast<uint8_t>(b));
  }
  FixCrc(expected);
  EXPECT_EQ(built, expected);
  EXPECT_EQ(expected.size(), 61u + 9u);
}

TEST(RecordBatchTest, EveryCodecRoundTrips) {
  std::vector<RecordToBuild> input = SampleRecords(25);
  for (CompressionCodec codec : kAllCodecs) {
    BatchBuildOptions options;
    options.codec = codec;
    options.producer_id = 1234;
    options.producer_epoch = 2;
    options.base_sequence = 100;
    Bytes batch = BuildBatch(options, input);
    Result<std::vector<BatchView>> split = SplitBatches(batch);
    ASSERT_TRUE(split.ok()) << split.status().ToString();
    ASSERT_EQ(split->size(), 1u);
    const BatchView& view = split->front();
    EXPECT_EQ(view.header.codec(), codec);
    EXPECT_EQ(view.header.record_count, 25);
    EXPECT_EQ(view.header.last_offset_delta, 24);
    EXPECT_EQ(view.header.producer_id, 1234);
    EXPECT_EQ(view.header.producer_epoch, 2);
    EXPECT_EQ(view.header.base_sequence, 100);
    EXPECT_EQ(view.header.base_timestamp, input[0].timestamp);
    EXPECT_EQ(view.header.max_timestamp, 1'700'000'000'010);
    RecordError error;
    Status st = ValidateBatch(view, {}, &error);
    ASSERT_TRUE(st.ok()) << CodecName(codec) << ": " << st.ToString();
    EXPECT_EQ(error, RecordError::kNone);

    Result<std::vector<Record>> records = DecodeRecords(view);
    ASSERT_TRUE(records.ok()) << records.status().ToString();
    ASSERT_EQ(records->size(), input.size());
    for (size_t i = 0; i < input.size(); ++i) {
      const Record& r = (*records)[i];
      EXPECT_EQ(r.offset, static_cast<int64_t>(i));
      EXPECT_EQ(r.timestamp, input[i].timestamp);
      EXPECT_EQ(r.key, input[i].key) << i;
      EXPECT_EQ(r.value, input[i].value) << i;
      EXPECT_EQ(r.headers, input[i].headers) << i;
    }
  }
}

TEST(RecordBatchTest, SplitsConcatenatedBatchesAndRejectsPartialOnes) {
  Bytes a = BuildBatch({}, SampleRecords(3));
  BatchBuildOptions gz;
  gz.codec = CompressionCodec::kGzip;
  Bytes b = BuildBatch(gz, SampleRecords(7));
  Bytes both = a;
  both.insert(both.end(), b.begin(), b.end());
  Result<std::vector<BatchView>> split = SplitBatches(both);
  ASSERT_TRUE(split.ok());
  ASSERT_EQ(split->size(), 2u);
  EXPECT_EQ((*split)[0].bytes.size(), a.size());
  EXPECT_EQ((*split)[1].header.record_count, 7);
  EXPECT_EQ((*split)[1].bytes.data(), both.data() + a.size());

  EXPECT_TRUE(SplitBatches(ByteView{}).ok());
  EXPECT_TRUE(SplitBatches(ByteView{})->empty());
  // Every strict prefix that cuts a batch is refused; only the cut between the two batches splits.
  for (size_t cut = 1; cut < both.size(); ++cut) {
    Result<std::vector<BatchView>> r = SplitBatches(ByteView(both).first(cut));
    EXPECT_EQ(r.ok(), cut == a.size()) << cut;
  }
  Bytes garbage = ToBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_FALSE(SplitBatches(garbage).ok());
  Bytes negative = a;
  StoreBigEndian<int32_t>(negative.data() + 8, -10);
  EXPECT_FALSE(SplitBatches(negative).ok());
}

TEST(RecordBatchTest, StampingKeepsCrcValid) {
  Bytes batch = BuildBatch({}, SampleRecords(4));
  StampBaseOffset(batch, 1'000'000);
  StampPartitionLeaderEpoch(batch, 42);
  BatchView view = MustParse(batch);
  EXPECT_EQ(view.header.base_offset, 1'000'000);
  EXPECT_EQ(view.header.partition_leader_epoch, 42);
  EXPECT_TRUE(ValidateBatch(view, {}).ok());
  Result<std::vector<Record>> records = DecodeRecords(view);
  ASSERT_TRUE(records.ok());
  EXPECT_EQ(records->front().offset, 1'000'000);
  EXPECT_EQ(records->back().offset, 1'000'003);
}

TEST(RecordBatchTest, RejectsWrongMagicWithItsOwnReason) {
  Bytes batch = BuildBatch({}, SampleRecords(2));
  batch[kBatchMagicOffset] = 1;
  EXPECT_EQ(ValidateError(batch), RecordError::kUnsupportedMagic);
  EXPECT_EQ(KafkaErrorCode(RecordError::kUnsupportedMagic), 43);
  // A magic-1 message set shorter than 61 bytes still splits by its length field.
  Bytes v1 = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 14, 1, 2, 3, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  Result<std::vector<BatchView>> split = SplitBatches(v1);
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  RecordError error;
  EXPECT_FALSE(ValidateBatch(split->front(), {}, &error).ok());
  EXPECT_EQ(error, RecordError::kUnsupportedMagic);
}

TEST(RecordBatchTest, AnyFlippedByteUnderTheCrcIsCorruption) {
  Bytes batch = BuildBatch({}, SampleRecords(3));
  for (size_t i = kBatchCrcOffset; i < batch.size(); ++i) {
    Bytes bad = batch;
    bad[i] ^= 0x01;
    EXPECT_EQ(ValidateError(bad), RecordError::kCorruptMessage) << "byte " << i;
  }
  EXPECT_EQ(KafkaErrorCode(RecordError::kCorruptMessage), 2);
}

TEST(RecordBatchTest, RejectsInconsistentHeaders) {
  Bytes batch = BuildBatch({}, SampleRecords(3));
  Bytes codec = batch;
  codec[kBatchAttributesOffset + 1] |= 0x05;  // codec 5
  FixCrc(codec);
  EXPECT_EQ(ValidateError(codec), RecordError::kUnsupportedCompressionType);
  EXPECT_EQ(KafkaErrorCode(RecordError::kUnsupportedCompressionType), 76);

  Bytes last_delta = batch;
  StoreBigEndian<int32_t>(last_delta.data() + 23, 5);
  FixCrc(last_delta);
  EXPECT_EQ(ValidateError(last_delta), RecordError::kInvalidRecord);

  Bytes more_records = batch;  // header claims 4 records, bytes hold 3
  StoreBigEndian<int32_t>(more_records.data() + 23, 3);
  StoreBigEndian<int32_t>(more_records.data() + 57, 4);
  FixCrc(more_records);
  EXPECT_EQ(ValidateError(more_records), RecordError::kInvalidRecord);

  Bytes fewer_records = batch;  // header claims 2 records, bytes hold 3
  StoreBigEndian<int32_t>(fewer_records.data() + 23, 1);
  StoreBigEndian<int32_t>(fewer_records.data() + 57, 2);
  FixCrc(fewer_records);
  EXPECT_EQ(ValidateError(fewer_records), RecordError::kInvalidRecord);
  EXPECT_EQ(KafkaErrorCode(RecordError::kInvalidRecord), 87);

  Bytes empty = BuildBatch({}, {});
  EXPECT_EQ(ValidateError(empty), RecordError::kInvalidRecord);

  BatchBuildOptions control;
  control.control = true;
  Bytes control_batch = BuildBatch(control, SampleRecords(1));
  EXPECT_EQ(ValidateError(control_batch), RecordError::kInvalidRecord);
  ValidationOptions allow;
  allow.allow_control_batches = true;
  EXPECT_EQ(ValidateError(control_batch, allow), RecordError::kNone);
}

TEST(RecordBatchTest, RejectsOutOfSequenceOffsetDelta) {
  // Single-byte varints throughout: record i's offsetDelta sits 3 bytes into the record
  // (length, attributes, timestampDelta).
  std::vector<RecordToBuild> records(2);
  for (auto& r : records) {
    r.value = ToBytes("v");
    r.timestamp = 5;
  }
  Bytes batch = BuildBatch({}, records);
  size_t second_record = kBatchHeaderSize + 1 + LoadBigEndian<uint8_t>(batch.data() + 61) / 2;
  ASSERT_EQ(batch[second_record + 3], 0x02);  // zigzag(1)
  batch[second_record + 3] = 0x00;            // offsetDelta 0 again
  FixCrc(batch);
  EXPECT_EQ(ValidateError(batch), RecordError::kInvalidRecord);
  EXPECT_FALSE(DecodeRecords(MustParse(batch)).ok());
}

TEST(RecordBatchTest, RejectsCorruptCompressedPayloadAndBombs) {
  BatchBuildOptions options;
  options.codec = CompressionCodec::kZstd;
  std::vector<RecordToBuild> big(1);
  big[0].value = Bytes(4 * 1024 * 1024, 'z');
  big[0].timestamp = 1;
  Bytes batch = BuildBatch(options, big);
  EXPECT_LT(batch.size(), 64u * 1024);
  ValidationOptions small;
  small.max_decompressed_bytes = 1024 * 1024;
  EXPECT_EQ(ValidateError(batch, small), RecordError::kRecordTooLarge);
  EXPECT_EQ(ValidateError(batch), RecordError::kNone);

  BatchBuildOptions lz4;
  lz4.codec = CompressionCodec::kLz4;
  Bytes corrupt = BuildBatch(lz4, SampleRecords(10));
  corrupt[kBatchHeaderSize + 10] ^= 0xFF;
  FixCrc(corrupt);
  RecordError error = ValidateError(corrupt);
  EXPECT_TRUE(error == RecordError::kCorruptMessage || error == RecordError::kInvalidRecord);
}

TEST(RecordBatchTest, LogAppendTimeUsesMaxTimestamp) {
  BatchBuildOptions options;
  options.timestamp_type = TimestampType::kLogAppendTime;
  options.log_append_time = 99;
  Bytes batch = BuildBatch(options, SampleRecords(3));
  Result<std::vector<Record>> records = DecodeRecords(MustParse(batch));
  ASSERT_TRUE(records.ok());
  for (const Record& r : *records) EXPECT_EQ(r.timestamp, 99);
}

TEST(RecordBatchTest, TruncatedRecordsNeverCrash) {
  for (CompressionCodec codec : kAllCodecs) {
    BatchBuildOptions options;
    options.codec = codec;
    Bytes batch = BuildBatch(options, SampleRecords(6));
    for (size_t cut = kBatchHeaderSize; cut < batch.size(); ++cut) {
      Bytes shorter(batch.begin(), batch.begin() + cut);
      StoreBigEndian<int32_t>(shorter.data() + 8, static_cast<int32_t>(cut - 12));
      FixCrc(shorter);
      EXPECT_NE(ValidateError(shorter), RecordError::kNone) << CodecName(codec) << " " << cut;
    }
  }
}

}  // namespace
}  // namespace sluice
