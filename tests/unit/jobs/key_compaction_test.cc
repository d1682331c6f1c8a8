// Compacted topics: batch re-encoding with every codec, key dedup across a job's inputs,
// tombstones kept or dropped by age and coverage, offsets unchanged, dropped batches' index rows
// gone and fetch across the gap they leave, on SQLite and PostgreSQL.
#include "jobs/key_compaction.h"

#include <gtest/gtest.h>

#include <functional>

#include "common/ulid.h"
#include "jobs/compaction.h"
#include "jobs_fixture.h"
#include "record/batch_builder.h"
#include "record/batch_rewrite.h"

namespace sluice::jobs {
namespace {

using testing::Await;
using testing::JobsFixture;

constexpr CompressionCodec kCodecs[] = {CompressionCodec::kNone, CompressionCodec::kGzip,
                                        CompressionCodec::kSnappy, CompressionCodec::kLz4,
                                        CompressionCodec::kZstd};

Bytes B(const std::string& s) { return Bytes(s.begin(), s.end()); }
std::string S(const std::optional<Bytes>& b) {
  return b ? std::string(b->begin(), b->end()) : "<null>";
}

// key -> value (nullopt = tombstone); nullopt key = keyless record.
using KV = std::pair<std::optional<std::string>, std::optional<std::string>>;

std::vector<RecordToBuild> ToRecords(const std::vector<KV>& kvs, int64_t timestamp) {
  std::vector<RecordToBuild> out;
  for (size_t i = 0; i < kvs.size(); ++i) {
    RecordToBuild r;
    if (kvs[i].first) r.key = B(*kvs[i].first);
    if (kvs[i].second) r.value = B(*kvs[i].second);
    r.headers.push_back({"h", B("x" + std::to_string(i))});
    r.timestamp = timestamp + static_cast<int64_t>(i);
    out.push_back(std::move(r));
  }
  return out;
}

TEST(BatchRewriteTest, EveryCodecKeepsHeaderOffsetsAndTimestampsAndGetsAValidCrc) {
  for (CompressionCodec codec : kCodecs) {
    SCOPED_TRACE(std::string(CodecName(codec)));
    BatchBuildOptions options;
    options.codec = codec;
    options.base_offset = 0;
    options.producer_id = 77;
    options.producer_epoch = 3;
    options.base_sequence = 40;
    Bytes original = BuildBatch(
        options, ToRecords({{"a", "1"}, {"b", "2"}, {"a", "3"}, {"c", {}}, {{}, "5"}}, 1000));
    auto in = ParseBatch(original);
    ASSERT_TRUE(in.ok());
    ASSERT_EQ(in->header.codec(), codec);
    auto rewritten = RewriteBatchKeeping(*in, {false, true, true, true, false});
    ASSERT_TRUE(rewritten.ok()) << rewritten.status().ToString();
    auto out = ParseBatch(*rewritten);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ(out->ComputeCrc(), out->header.crc);
    const BatchHeader& a = in->header;
    const BatchHeader& b = out->header;
    EXPECT_EQ(b.attributes, a.attributes);
    EXPECT_EQ(b.codec(), codec);
    EXPECT_EQ(b.base_offset, a.base_offset);
    EXPECT_EQ(b.last_offset_delta, 4);
    EXPECT_EQ(b.base_timestamp, a.base_timestamp);
    EXPECT_EQ(b.max_timestamp, a.max_timestamp);
    EXPECT_EQ(b.producer_id, 77);
    EXPECT_EQ(b.producer_epoch, 3);
    EXPECT_EQ(b.base_sequence, 40);
    EXPECT_EQ(b.record_count, 3);
    auto records = DecodeRecords(*out);
    ASSERT_TRUE(records.ok()) << records.status().ToString();
    ASSERT_EQ(records->size(), 3u);
    EXPECT_EQ((*records)[0].offset, 1);
    EXPECT_EQ((*records)[0].timestamp, 1001);
    EXPECT_EQ(S((*records)[0].key), "b");
    EXPECT_EQ(S((*records)[1].value), "3");
    EXPECT_EQ((*records)[1].headers[0].value, B("x2"));
    EXPECT_EQ((*records)[2].offset, 3);
    EXPECT_FALSE((*records)[2].value.has_value());
    // Produce-time validation still wants dense deltas: a client may not send such a batch.
    EXPECT_FALSE(ValidateBatch(*out, {}).ok());
    // Nothing kept, or a keep list of the wrong size, is refused.
    EXPECT_FALSE(RewriteBatchKeeping(*in, {false, false, false, false, false}).ok());
    EXPECT_FALSE(RewriteBatchKeeping(*in, {true}).ok());
  }
}

TEST(BatchRewriteTest, CompactedTopicsRefuseKeylessRecordsAtProduce) {
  Bytes keyless = BuildBatch({}, ToRecords({{"a", "1"}, {{}, "2"}}, 1000));
  Bytes keyed = BuildBatch({}, ToRecords({{"a", "1"}, {"b", {}}}, 1000));
  ValidationOptions options;
  options.require_keys = true;
  RecordError error = RecordError::kNone;
  EXPECT_FALSE(ValidateBatch(ParseBatch(keyless).value(), options, &error).ok());
  EXPECT_EQ(KafkaErrorCode(error), 87);  // INVALID_RECORD
  EXPECT_TRUE(ValidateBatch(ParseBatch(keyed).value(), options).ok());
  EXPECT_TRUE(ValidateBatch(ParseBatch(keyless).value(), {}).ok());
}

TEST(KeyCompactionConfigTest, PolicyAndDeleteRetention) {
  EXPECT_FALSE(TopicDeleteRetention({}).value().has_value());
  EXPECT_FALSE(TopicDeleteRetention({{"cleanup.policy", "delete"}}).value().has_value());
  EXPECT_EQ(TopicDeleteRetention({{"cleanup.policy", "compact"}}).value(),
            kDefaultDeleteRetentionMs);
  EXPECT_EQ(
      TopicDeleteRetention({{"cleanup.policy", "compact,delete"}, {"delete.retention.ms", "250"}})
          .value(),
      250);
  EXPECT_FALSE(
      TopicDeleteRetention({{"cleanup.policy", "compact"}, {"delete.retention.ms", "x"}}).ok());
}

TEST(KeyCompactionPartitionTest, ABatchThatDoesNotDecodeIsCopiedAndShadowsNothing) {
  BatchBuildOptions gzip;
  gzip.codec = CompressionCodec::kGzip;
  Bytes broken = BuildBatch(gzip, ToRecords({{"a", "1"}}, 1000));
  broken[kBatchHeaderSize - 1] = 5;  // recordCount 5 for one offset: DecodeRecords refuses it
  Bytes older = BuildBatch({}, ToRecords({{"a", "0"}, {"b", "0"}}, 900));
  Bytes newer = BuildBatch({}, ToRecords({{"b", "2"}}, 1100));
  std::vector<PartitionBatch> batches = {{0, 2, ParseBatch(older).value()},
                                         {2, 1, ParseBatch(broken).value()},
                                         {3, 1, ParseBatch(newer).value()}};
  KeyCompactionContext context;
  context.now_ms = 2000;
  context.high_watermark = 4;
  context.inputs_cover_below = 4;
  auto verdicts = CompactPartitionKeys(batches, context);
  ASSERT_TRUE(verdicts.ok()) << verdicts.status().ToString();
  ASSERT_EQ(verdicts->size(), 3u);
  // a=0 stays (the broken batch's a=1 is unknown), b=0 goes; the broken batch is copied.
  EXPECT_EQ((*verdicts)[0].action, BatchVerdict::Action::kRewrite);
  EXPECT_EQ((*verdicts)[0].record_count, 1);
  EXPECT_EQ((*verdicts)[1].action, BatchVerdict::Action::kCopy);
  EXPECT_EQ((*verdicts)[2].action, BatchVerdict::Action::kCopy);
}

// A batch that does not decode may hold an older value of any key: a tombstone after it must stay,
// however old and covered, or that value would come back for readers that can decode it.
TEST(KeyCompactionPartitionTest, TombstonesAfterABatchThatDoesNotDecodeStay) {
  BatchBuildOptions gzip;
  gzip.codec = CompressionCodec::kGzip;
  Bytes broken = BuildBatch(gzip, ToRecords({{"a", "old"}}, 1000));
  broken[kBatchHeaderSize - 1] = 5;  // DecodeRecords refuses it
  Bytes tombstones = BuildBatch({}, ToRecords({{"a", {}}, {"b", "1"}}, 1000));
  Bytes tail = BuildBatch({}, ToRecords({{"c", "2"}}, 1000));
  std::vector<PartitionBatch> batches = {{0, 1, ParseBatch(broken).value()},
                                         {1, 2, ParseBatch(tombstones).value()},
                                         {3, 1, ParseBatch(tail).value()}};
  KeyCompactionContext context;
  context.now_ms = 100000;
  context.delete_retention_ms = 1000;
  context.high_watermark = 4;
  context.inputs_cover_below = 4;
  auto verdicts = CompactPartitionKeys(batches, context);
  ASSERT_TRUE(verdicts.ok()) << verdicts.status().ToString();
  ASSERT_EQ(verdicts->size(), 3u);
  EXPECT_EQ((*verdicts)[0].action, BatchVerdict::Action::kCopy);
  EXPECT_EQ((*verdicts)[1].action, BatchVerdict::Action::kCopy);  // a=<null> still shadows a=old
  EXPECT_EQ((*verdicts)[1].records_dropped, 0);
  EXPECT_EQ((*verdicts)[2].action, BatchVerdict::Action::kCopy);
}

// A transactional batch may be aborted (or still open): its value must neither replace an older
// one nor lose to a newer one here, and a tombstone after it must stay (it may have committed an
// older value of the key).
TEST(KeyCompactionPartitionTest, TransactionalBatchesAreCopiedWholeAndShadowNothing) {
  BatchBuildOptions txn;
  txn.producer_id = 9;
  txn.producer_epoch = 0;
  txn.base_sequence = 0;
  txn.transactional = true;
  Bytes older = BuildBatch({}, ToRecords({{"a", "0"}, {"b", "0"}}, 900));
  Bytes transactional = BuildBatch(txn, ToRecords({{"a", "t"}, {"a", "t2"}, {"c", "t"}}, 1000));
  Bytes tombstones = BuildBatch({}, ToRecords({{"c", {}}, {"b", "1"}}, 1000));
  Bytes tail = BuildBatch({}, ToRecords({{"d", "2"}}, 1000));
  std::vector<PartitionBatch> batches = {{0, 2, ParseBatch(older).value()},
                                         {2, 3, ParseBatch(transactional).value()},
                                         {5, 2, ParseBatch(tombstones).value()},
                                         {7, 1, ParseBatch(tail).value()}};
  KeyCompactionContext context;
  context.now_ms = 100000;
  context.delete_retention_ms = 1000;
  context.high_watermark = 8;
  context.inputs_cover_below = 8;
  auto verdicts = CompactPartitionKeys(batches, context);
  ASSERT_TRUE(verdicts.ok()) << verdicts.status().ToString();
  ASSERT_EQ(verdicts->size(), 4u);
  // a=0 stays (a=t may be aborted), b=0 goes (b=1 is plain and later).
  EXPECT_EQ((*verdicts)[0].action, BatchVerdict::Action::kRewrite);
  EXPECT_EQ((*verdicts)[0].record_count, 1);
  // The transactional batch is copied whole, a=t included although a=t2 follows it.
  EXPECT_EQ((*verdicts)[1].action, BatchVerdict::Action::kCopy);
  EXPECT_EQ((*verdicts)[1].records_dropped, 0);
  // c=<null> is old and covered but follows the transactional c=t: it stays.
  EXPECT_EQ((*verdicts)[2].action, BatchVerdict::Action::kCopy);
  EXPECT_EQ((*verdicts)[3].action, BatchVerdict::Action::kCopy);
}

class KeyCompactionTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam() && metadata::testing::PostgresTestUrl().empty()) {
      GTEST_SKIP() << metadata::testing::kNoPostgres;
    }
    f_ = std::make_unique<JobsFixture>(GetParam());
    f_->CreateTopic("c", 1, {{"cleanup.policy", "compact"}, {"delete.retention.ms", "1000"}});
    f_->CreateTopic("plain", 1);
  }

  // One L0 object holding one batch of `topic`-0. Returns the object id.
  std::string Produce(const std::string& topic, const std::vector<KV>& kvs, int64_t timestamp,
                      CompressionCodec codec = CompressionCodec::kNone) {
    BatchBuildOptions options;
    options.codec = codec;
    Bytes batch = BuildBatch(options, ToRecords(kvs, timestamp));
    auto parsed = ParseBatch(batch);
    EXPECT_TRUE(parsed.ok());
    SegmentWriter writer;
    writer.AddChunk(ChunkMetaForBatch(topic, 0, parsed->header), batch);
    const std::string id = ids_.Next(1000 + static_cast<int64_t>(++count_));
    metadata::CommitRequest request;
    request.object_id = id;
    request.object_key = testing::kPrefix + id;
    const ChunkMeta& c = writer.chunks()[0];
    request.chunks.push_back({topic, 0, c.byte_offset, c.byte_length, c.record_count,
                              c.last_offset_delta, c.first_timestamp, c.max_timestamp});
    Bytes object = writer.Finish(id, 0);
    request.object_size = object.size();
    EXPECT_TRUE(Await(f_->objects().Put(request.object_key, std::move(object))).ok());
    auto committed = Await(f_->store().CommitObject(std::move(request)));
    EXPECT_TRUE(committed.ok()) << committed.status().ToString();
    return id;
  }

  // Compacts the given live objects (all live ones when empty) into one output at `now`.
  CompactionStats Compact(int64_t now, std::vector<std::string> only = {}) {
    CompactionJob job;
    job.output_level = 1;
    job.output_object_id = ids_.Next(now);
    for (const auto& o : f_->LiveObjects()) {
      if (!only.empty() && std::find(only.begin(), only.end(), o.object_id) == only.end()) {
        continue;
      }
      job.inputs.push_back({o.object_id, o.object_key});
    }
    auto stats = Await(RunCompaction(job, 1, testing::kPrefix, f_->store(), f_->objects(), now));
    EXPECT_TRUE(stats.ok()) << stats.status().ToString();
    return stats.ok() ? *stats : CompactionStats{};
  }

  // offset -> "key=value" of every record the partition serves, as a consumer decodes them.
  std::map<int64_t, std::string> Records(const std::string& topic) {
    std::map<int64_t, std::string> out;
    for (const auto& [offset, batch] : f_->ReadAll(topic, 0)) {
      auto parsed = ParseBatch(batch);
      EXPECT_TRUE(parsed.ok());
      if (!parsed.ok()) continue;
      EXPECT_EQ(parsed->ComputeCrc(), parsed->header.crc) << "at " << offset;
      auto records = DecodeRecords(*parsed);
      EXPECT_TRUE(records.ok()) << records.status().ToString();
      if (!records.ok()) continue;
      for (const auto& r : *records) out[r.offset] = S(r.key) + "=" + S(r.value);
    }
    return out;
  }

  std::unique_ptr<JobsFixture> f_;
  UlidGenerator ids_;
  uint64_t count_ = 0;
};

TEST_P(KeyCompactionTest, KeepsTheLatestValuePerKeyAtItsOriginalOffsetWithEveryCodec) {
  // Rounds 0..4 (one codec each) write k0, k1, a key of their own and k2: offsets 4r..4r+3.
  for (int r = 0; r < 5; ++r) {
    const std::string v = "v" + std::to_string(r);
    Produce("c", {{"k0", v}, {"k1", v}, {"only" + std::to_string(r), v}, {"k2", v}}, 1000 + r,
            kCodecs[r]);
  }
  Produce("c", {{"k0", "gone"}, {"k1", "gone"}}, 2000);                  // 20-21: all superseded
  Produce("c", {{"k0", "last"}, {"k1", "last"}, {"k2", "last"}}, 3000);  // 22-24
  Produce("plain", {{"k0", "a"}, {"k0", "b"}}, 1000);                    // not compacted
  auto before = Records("c");
  auto plain_before = f_->ReadAll("plain", 0);
  ASSERT_EQ(before.size(), 25u);

  CompactionStats stats = Compact(5000);
  EXPECT_EQ(stats.batches_rewritten, 5);
  EXPECT_EQ(stats.batches_dropped, 1);
  EXPECT_EQ(stats.records_dropped, 5 * 3 + 2);

  std::map<int64_t, std::string> expected;
  for (int r = 0; r < 5; ++r) {
    expected[4 * r + 2] = "only" + std::to_string(r) + "=v" + std::to_string(r);
  }
  expected[22] = "k0=last";
  expected[23] = "k1=last";
  expected[24] = "k2=last";
  EXPECT_EQ(Records("c"), expected);
  for (const auto& [offset, kv] : expected) EXPECT_EQ(before[offset], kv);

  // Each rewritten batch keeps its codec and offsets; the index counts its records.
  auto chunks = Await(f_->store().FindChunks("c", 0, 0, UINT64_MAX));
  ASSERT_TRUE(chunks.ok());
  ASSERT_EQ(chunks->size(), 6u);
  for (int r = 0; r < 5; ++r) {
    const auto& c = (*chunks)[r];
    EXPECT_EQ(c.base_offset, 4 * r);
    EXPECT_EQ(c.offset_count, 4);
    EXPECT_EQ(c.record_count, 1);
    Bytes batch = f_->ReadChunk(c);
    auto parsed = ParseBatch(batch);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->header.codec(), kCodecs[r]);
    EXPECT_EQ(parsed->header.record_count, 1);
    EXPECT_EQ(parsed->header.last_offset_delta, 3);
    EXPECT_EQ(parsed->header.base_timestamp, 1000 + r);
  }
  // The whole-superseded batch (20-21) left the index: a fetch at 20 or 21 gets the next batch.
  EXPECT_EQ((*chunks)[5].base_offset, 22);
  for (int64_t gap : {20, 21}) {
    auto next = Await(f_->store().FindChunks("c", 0, gap, UINT64_MAX));
    ASSERT_TRUE(next.ok());
    ASSERT_FALSE(next->empty());
    EXPECT_EQ(next->front().base_offset, 22);
    EXPECT_EQ(f_->ReadAll("c", 0, gap).begin()->first, 22);
  }
  EXPECT_EQ(f_->Partition("c", 0).high_watermark, 25);
  // The plain topic's batch is copied byte for byte, duplicates and all.
  EXPECT_EQ(f_->ReadAll("plain", 0), plain_before);
  EXPECT_EQ(f_->LiveObjects().size(), 1u);

  // Compacting again changes nothing further.
  Produce("c", {{"k9", "x"}}, 6000);
  Compact(7000);
  expected[25] = "k9=x";
  EXPECT_EQ(Records("c"), expected);
}

TEST_P(KeyCompactionTest, TombstonesShadowUntilOldAndCoveredThenGo) {
  // delete.retention.ms = 1000; compaction runs at 5500, so timestamps below 4500 are old.
  const std::string a = Produce("c", {{"k1", "a"}, {"k2", "b"}}, 1000);  // 0-1
  const std::string tomb1 = Produce("c", {{"k1", {}}}, 1000);            // 2: old tombstone
  const std::string tomb2 = Produce("c", {{"k2", {}}}, 5000);            // 3: recent one
  const std::string tail = Produce("c", {{"k3", "c"}}, 5000);            // 4

  // Without the object holding k1=a, the old tombstone must stay: it still shadows k1=a.
  Compact(5500, {tomb1, tomb2, tail});
  EXPECT_EQ(Records("c"),
            (std::map<int64_t, std::string>{
                {0, "k1=a"}, {1, "k2=b"}, {2, "k1=<null>"}, {3, "k2=<null>"}, {4, "k3=c"}}));
  // Merged with it: k1=a and k2=b are superseded, the old tombstone goes, the recent one stays.
  CompactionStats stats = Compact(5500);
  EXPECT_EQ(stats.batches_dropped, 2);
  EXPECT_EQ(Records("c"), (std::map<int64_t, std::string>{{3, "k2=<null>"}, {4, "k3=c"}}));
  // Later, the recent tombstone is old too.
  Produce("c", {{"k4", "d"}}, 9000);
  Compact(9000);
  EXPECT_EQ(Records("c"), (std::map<int64_t, std::string>{{4, "k3=c"}, {5, "k4=d"}}));
  EXPECT_EQ(Await(f_->store().FindChunks("c", 0, 0, UINT64_MAX))->front().base_offset, 4);
  (void)a;
}

TEST_P(KeyCompactionTest, TheBatchAtTheHighWatermarkStaysEvenWhenEmptied) {
  Produce("c", {{"k1", "a"}}, 1000);  // 0
  Produce("c", {{"k1", {}}}, 1000);   // 1: old tombstone, last batch of the partition
  CompactionStats stats = Compact(9000);
  EXPECT_EQ(stats.batches_dropped, 1);
  // A consumer still steps to the high watermark through it.
  EXPECT_EQ(Records("c"), (std::map<int64_t, std::string>{{1, "k1=<null>"}}));
}

// A bucket that runs `hook` before each PUT: stages another compaction between a job's reads
// and its swap.
class HookedPutStore : public storage::ObjectStore {
 public:
  HookedPutStore(storage::ObjectStore& inner, std::function<Task<void>()> hook)
      : inner_(inner), hook_(std::move(hook)) {}
  Task<Status> Put(std::string key, Bytes data) override {
    if (hook_) {
      auto hook = std::move(hook_);
      hook_ = nullptr;
      co_await hook();
    }
    co_return co_await inner_.Put(std::move(key), std::move(data));
  }
  Task<Result<Bytes>> Get(std::string key, uint64_t offset, uint64_t length) override {
    return inner_.Get(std::move(key), offset, length);
  }
  Task<Result<storage::ListPage>> List(std::string prefix, std::string token, int max) override {
    return inner_.List(std::move(prefix), std::move(token), max);
  }
  Task<Status> Delete(std::vector<std::string> keys) override {
    return inner_.Delete(std::move(keys));
  }
  std::string Describe() const override { return inner_.Describe(); }

 private:
  storage::ObjectStore& inner_;
  std::function<Task<void>()> hook_;
};

// Two jobs that share an input (two planners for a moment): the first moves the shared input's
// old value k1=v elsewhere while the second, which saw k1's expired tombstone and every older
// batch among its inputs, decided to drop both. The second swap must not drop the tombstone
// while k1=v survives in the first job's output: it fails, and its retry keeps the tombstone.
TEST_P(KeyCompactionTest, ASwapWhoseInputsAnotherJobMovedMeanwhileFails) {
  const std::string a = Produce("c", {{"k1", "v"}}, 1000);  // 0
  const std::string t = Produce("c", {{"k1", {}}}, 1000);   // 1: old tombstone
  const std::string x = Produce("c", {{"k9", "x"}}, 1000);  // 2
  std::map<std::string, std::string> keys;
  for (const auto& o : f_->LiveObjects()) keys[o.object_id] = o.object_key;
  CompactionJob first;
  first.output_level = 1;
  first.output_object_id = ids_.Next(9000);
  first.inputs = {{a, keys[a]}, {x, keys[x]}};
  CompactionJob second;
  second.output_level = 1;
  second.output_object_id = ids_.Next(9001);
  second.inputs = {{a, keys[a]}, {t, keys[t]}, {x, keys[x]}};

  HookedPutStore staged(f_->objects(), [&]() -> Task<void> {
    auto ran = co_await RunCompaction(first, 1, testing::kPrefix, f_->store(), f_->objects(), 9000);
    EXPECT_TRUE(ran.ok()) << ran.status().ToString();
  });
  auto raced = Await(RunCompaction(second, 1, testing::kPrefix, f_->store(), staged, 9000));
  EXPECT_FALSE(raced.ok()) << "the swap went through on inputs another job had moved";
  // Whatever happened, k1 must still read as deleted: its tombstone follows k1=v.
  auto served = Records("c");
  if (served.contains(0)) {
    EXPECT_EQ(served[1], "k1=<null>");
  }
  // The retry sees where the chunks are now and keeps the tombstone.
  auto retried =
      Await(RunCompaction(second, 2, testing::kPrefix, f_->store(), f_->objects(), 9000));
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(Records("c"),
            (std::map<int64_t, std::string>{{0, "k1=v"}, {1, "k1=<null>"}, {2, "k9=x"}}));
}

INSTANTIATE_TEST_SUITE_P(BackEnds, KeyCompactionTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "postgres" : "sqlite";
                         });

}  // namespace
}  // namespace sluice::jobs
