// Retention (time and size, at batch boundaries), DeleteRecords' store call, dead-object deletion
// after the grace period, and topic deletion emptying the bucket.
#include <gtest/gtest.h>

#include "jobs/deletion.h"
#include "jobs/retention.h"
#include "jobs_fixture.h"

namespace sluice::jobs {
namespace {

using testing::Await;
using testing::JobsFixture;

metadata::IndexedChunk C(int64_t base, int32_t count, uint32_t bytes, int64_t max_ts) {
  metadata::IndexedChunk c;
  c.base_offset = base;
  c.offset_count = count;
  c.byte_length = bytes;
  c.max_timestamp = max_ts;
  return c;
}

TEST(RetentionCutTest, TimeAndSizeCutAtBatchBoundaries) {
  std::vector<metadata::IndexedChunk> chunks = {C(0, 5, 100, 1000), C(5, 5, 100, 2000),
                                                C(10, 5, 100, 1500), C(15, 5, 100, 4000)};
  // Time: batches older than now - retention go, up to the first recent one (not past it).
  EXPECT_EQ(RetentionCut(chunks, 20, {1000, -1}, 2500), 5);
  EXPECT_EQ(RetentionCut(chunks, 20, {1000, -1}, 3001), 15);
  EXPECT_EQ(RetentionCut(chunks, 20, {1000, -1}, 5001), 20);  // all expired: the high watermark
  EXPECT_EQ(RetentionCut(chunks, 20, {1000, -1}, 1500), std::nullopt);
  // Size: keep at least retention.bytes.
  EXPECT_EQ(RetentionCut(chunks, 20, {-1, 250}, 0), 5);  // keeps 300 bytes: 200 < 250
  EXPECT_EQ(RetentionCut(chunks, 20, {-1, 200}, 0), 10);
  EXPECT_EQ(RetentionCut(chunks, 20, {-1, 199}, 0), 10);
  EXPECT_EQ(RetentionCut(chunks, 20, {-1, 100}, 0), 15);
  EXPECT_EQ(RetentionCut(chunks, 20, {-1, 400}, 0), std::nullopt);
  EXPECT_EQ(RetentionCut(chunks, 20, {-1, 0}, 0), 20);
  // Both: the further cut wins.
  EXPECT_EQ(RetentionCut(chunks, 20, {1000, 300}, 2500), 5);
  EXPECT_EQ(RetentionCut(chunks, 20, {1000, 100}, 2500), 15);
  EXPECT_EQ(RetentionCut({}, 0, {0, 0}, 10), std::nullopt);
}

TEST(RetentionCutTest, TopicConfigsAndPolicy) {
  JobsOptions options;
  options.default_retention_ms = 77;
  auto d = TopicRetention({}, options);
  ASSERT_TRUE(d.ok() && d->has_value());
  EXPECT_EQ((*d)->retention_ms, 77);
  EXPECT_EQ((*d)->retention_bytes, -1);
  auto set = TopicRetention({{"retention.ms", "5"}, {"retention.bytes", "9"}}, options);
  EXPECT_EQ((*set)->retention_ms, 5);
  EXPECT_EQ((*set)->retention_bytes, 9);
  EXPECT_FALSE(TopicRetention({{"cleanup.policy", "compact"}}, options)->has_value());
  EXPECT_TRUE(TopicRetention({{"cleanup.policy", "compact,delete"}}, options)->has_value());
  EXPECT_FALSE(TopicRetention({{"retention.ms", "x"}}, options).ok());
  EXPECT_FALSE(TopicRetention({{"retention.ms", "-2"}}, options).ok());
}

class StoreJobsTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam() && metadata::testing::PostgresTestUrl().empty()) {
      GTEST_SKIP() << metadata::testing::kNoPostgres;
    }
    f_ = std::make_unique<JobsFixture>(GetParam());
  }
  std::unique_ptr<JobsFixture> f_;
};

TEST_P(StoreJobsTest, TimeRetentionAdvancesLogStartAndKillsEmptiedObjects) {
  JobsFixture& f = *f_;
  f.CreateTopic("t", 1, {{"retention.ms", "1000"}});
  f.CreateTopic("keep", 1);
  std::string old1 = f.ProduceObject({{"t", 0, 3, 100}, {"t", 0, 2, 200}});
  std::string mixed = f.ProduceObject({{"t", 0, 4, 300}, {"keep", 0, 1, 300}});
  std::string recent = f.ProduceObject({{"t", 0, 1, 5000}, {"t", 0, 2, 300}});
  JobsOptions options;
  auto stats = Await(RunRetention("t", f.store(), options, 5500));
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->partitions_advanced, 1);
  // Batches [0,3) [3,5) [5,9) are older than 4500; [9,10) is recent, so the cut stops there even
  // though [10,12) is old again (only a prefix goes, as Kafka deletes the oldest segments).
  EXPECT_EQ(f.Partition("t", 0).log_start_offset, 9);
  auto left = f.ReadAll("t", 0);
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left.begin()->first, 9);
  auto live = f.LiveObjects();
  std::set<std::string> live_ids;
  for (const auto& o : live) live_ids.insert(o.object_id);
  EXPECT_FALSE(live_ids.contains(old1));
  EXPECT_TRUE(live_ids.contains(mixed));  // "keep" still lives in it
  EXPECT_TRUE(live_ids.contains(recent));
  // Running it again changes nothing; an unknown topic is fine.
  EXPECT_EQ(Await(RunRetention("t", f.store(), options, 5500))->partitions_advanced, 0);
  EXPECT_TRUE(Await(RunRetention("gone", f.store(), options, 5500)).ok());
}

TEST_P(StoreJobsTest, SizeRetentionKeepsAtLeastTheLimit) {
  JobsFixture& f = *f_;
  f.CreateTopic("t", 1);
  for (int i = 0; i < 5; ++i) f.ProduceObject({{"t", 0, 2, 1000 + i}});
  auto all = f.ReadAll("t", 0);
  ASSERT_EQ(all.size(), 5u);
  uint64_t last_three = 0;
  for (auto it = std::next(all.begin(), 2); it != all.end(); ++it) last_three += it->second.size();
  ASSERT_TRUE(Await(f.store().SetTopicConfigs("t", {{"retention.bytes", std::to_string(last_three)},
                                                    {"retention.ms", "-1"}}))
                  .ok());
  ASSERT_TRUE(Await(RunRetention("t", f.store(), JobsOptions{}, 1'000'000'000'000)).ok());
  EXPECT_EQ(f.Partition("t", 0).log_start_offset, 4);
  EXPECT_EQ(f.ReadAll("t", 0).size(), 3u);
}

TEST_P(StoreJobsTest, AdvanceLogStartOffsetLikeDeleteRecords) {
  JobsFixture& f = *f_;
  f.CreateTopic("t", 1);
  f.ProduceObject({{"t", 0, 3}, {"t", 0, 3}});
  auto& s = f.store();
  EXPECT_EQ(*Await(s.AdvanceLogStartOffset("t", 0, 4, 1)), 4);  // inside the second batch
  EXPECT_EQ(f.ReadAll("t", 0, 4).begin()->first, 3);            // that batch is still served
  EXPECT_EQ(*Await(s.AdvanceLogStartOffset("t", 0, 2, 1)), 4);  // never lowered
  EXPECT_EQ(Await(s.AdvanceLogStartOffset("t", 0, 7, 1)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Await(s.AdvanceLogStartOffset("t", 0, -2, 1)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Await(s.AdvanceLogStartOffset("t", 3, 0, 1)).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Await(s.AdvanceLogStartOffset("nope", 0, 0, 1)).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(*Await(s.AdvanceLogStartOffset("t", 0, -1, 1)), 6);  // -1: the high watermark
  EXPECT_TRUE(f.ReadAll("t", 0).empty());
  EXPECT_TRUE(f.LiveObjects().empty());
}

TEST_P(StoreJobsTest, DeadObjectsLeaveTheBucketOnlyAfterTheGracePeriod) {
  JobsFixture& f = *f_;
  f.CreateTopic("t", 1);
  f.CreateTopic("u", 1);
  f.ProduceObject({{"t", 0, 1}});
  f.ProduceObject({{"t", 0, 1}, {"u", 0, 1}});
  ASSERT_EQ(f.BucketKeys().size(), 2u);
  const int64_t died = 50'000;
  ASSERT_TRUE(Await(f.store().AdvanceLogStartOffset("t", 0, -1, died)).ok());
  // The first object is dead; the second still holds u's chunk.
  auto early = Await(RunDeletion(f.store(), f.objects(), died + 999, 1000));
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early->objects_deleted, 0);
  EXPECT_EQ(f.BucketKeys().size(), 2u);
  auto due = Await(RunDeletion(f.store(), f.objects(), died + 1000, 1000));
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(due->objects_deleted, 1);
  EXPECT_EQ(f.BucketKeys().size(), 1u);
  EXPECT_TRUE(Await(f.store().ListDeadObjects(INT64_MAX, 10))->empty());
  EXPECT_EQ(f.ReadAll("u", 0).size(), 1u);

  // Deleting the topic frees the rest (dead "now" in real time, so delete with a real clock).
  ASSERT_TRUE(Await(f.store().DeleteTopic("u")).ok());
  const int64_t later = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count() +
                        60'000;
  EXPECT_EQ(Await(RunDeletion(f.store(), f.objects(), later, 1000))->objects_deleted, 1);
  EXPECT_TRUE(f.BucketKeys().empty());
}

INSTANTIATE_TEST_SUITE_P(BackEnds, StoreJobsTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "postgres" : "sqlite";
                         });

}  // namespace
}  // namespace sluice::jobs
