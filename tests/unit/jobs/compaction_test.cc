// Compaction: planning, the merge itself (bytes and offsets unchanged), the atomic swap, and
// reads that resolved chunks before a swap.
#include "jobs/compaction.h"

#include <gtest/gtest.h>

#include "jobs/compaction_plan.h"
#include "jobs/planner.h"
#include "jobs/worker.h"
#include "jobs_fixture.h"

namespace sluice::jobs {
namespace {

using testing::Await;
using testing::BatchSpec;
using testing::JobsFixture;

std::pair<std::string, int32_t> Key(const char* topic, int32_t p) { return {topic, p}; }

metadata::ObjectRecord Obj(const std::string& id, int32_t level, uint64_t size, int64_t created) {
  return {id, "k/" + id, level, size, created, std::nullopt};
}

TEST(CompactionPlanTest, MergesFullLevelsOldestFirstAndLeavesBusyAndYoungObjects) {
  JobsOptions options;
  options.compaction_min_objects = 3;
  options.compaction_max_inputs = 4;
  options.compaction_target_bytes = 1000;
  options.compaction_max_age = std::chrono::milliseconds(60000);
  std::vector<metadata::ObjectRecord> live;
  for (int i = 0; i < 9; ++i) live.push_back(Obj("a" + std::to_string(i), 0, 10, 100 + i));
  live.push_back(Obj("big", 0, 5000, 50));  // already at the target size
  live.push_back(Obj("l1-a", 1, 10, 100));  // one L1 object: nothing to merge with
  int n = 0;
  auto jobs =
      PlanCompactions(live, {"a0"}, options, 1000, [&] { return "out" + std::to_string(n++); });
  // a1..a8 (a0 is busy): two jobs of four; nothing of "big" or L1.
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].output_level, 1);
  ASSERT_EQ(jobs[0].inputs.size(), 4u);
  EXPECT_EQ(jobs[0].inputs[0].object_id, "a1");
  EXPECT_EQ(jobs[0].inputs[0].object_key, "k/a1");
  EXPECT_EQ(jobs[1].inputs.back().object_id, "a8");
  EXPECT_EQ(jobs[0].output_object_id, "out0");

  // Two young objects wait; the same two, old enough, are merged.
  std::vector<metadata::ObjectRecord> two = {Obj("x", 2, 10, 100), Obj("y", 2, 10, 200)};
  EXPECT_TRUE(PlanCompactions(two, {}, options, 1000, [] { return "o"; }).empty());
  auto aged = PlanCompactions(two, {}, options, 100 + 60000, [] { return "o"; });
  ASSERT_EQ(aged.size(), 1u);
  EXPECT_EQ(aged[0].output_level, 3);
  options.compaction_max_level = 2;
  EXPECT_TRUE(PlanCompactions(two, {}, options, 100 + 60000, [] { return "o"; }).empty());
}

TEST(CompactionPayloadTest, RoundTripsAndRejectsGarbage) {
  CompactionJob job{2, "01OUT", {{"a", "p/a"}, {"b", "p/b"}}};
  auto decoded = DecodeCompactionJob(EncodeCompactionJob(job));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, job);
  EXPECT_FALSE(DecodeCompactionJob("").ok());
  EXPECT_FALSE(DecodeCompactionJob("compaction v1\nlevel 0\noutput o\ninput a k\n").ok());
  EXPECT_FALSE(DecodeCompactionJob("compaction v1\nlevel 1\noutput o\n").ok());
  EXPECT_FALSE(DecodeCompactionJob("compaction v1\nlevel 1\noutput o\ninput a\n").ok());
  EXPECT_FALSE(DecodeCompactionJob("compaction v1\nlevel x\noutput o\ninput a k\n").ok());
  EXPECT_FALSE(DecodeCompactionJob("compaction v1\nlevel 1\noutput o\ninput a k z\n").ok());
}

class CompactionTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam() && metadata::testing::PostgresTestUrl().empty()) {
      GTEST_SKIP() << metadata::testing::kNoPostgres;
    }
    f_ = std::make_unique<JobsFixture>(GetParam());
    options_.compaction_min_objects = 4;
    options_.compaction_max_inputs = 100;
    options_.object_key_prefix = testing::kPrefix;
    f_->CreateTopic("t", 3);
    f_->CreateTopic("u", 1);
  }
  // N objects, each with batches of several partitions in a scrambled order.
  void ProduceObjects(int n) {
    for (int i = 0; i < n; ++i) {
      f_->ProduceObject({{"u", 0, 2}, {"t", 2, 1 + i % 3}, {"t", 0, 3}, {"t", 2, 1}, {"t", 1, 2}});
    }
  }
  std::map<std::pair<std::string, int32_t>, std::map<int64_t, Bytes>> ReadEverything() {
    std::map<std::pair<std::string, int32_t>, std::map<int64_t, Bytes>> all;
    for (auto [topic, p] : {std::pair<std::string, int>{"t", 0}, {"t", 1}, {"t", 2}, {"u", 0}}) {
      all[{topic, p}] = f_->ReadAll(topic, p);
    }
    return all;
  }
  // Plans and works until the queue is empty; returns the reports.
  std::vector<JobReport> Drain(Worker& worker, int64_t now) {
    std::vector<JobReport> all;
    for (int i = 0; i < 50; ++i) {
      auto reports = Await(worker.RunOnce(now, 10));
      EXPECT_TRUE(reports.ok()) << reports.status().ToString();
      if (!reports.ok() || reports->empty()) break;
      for (auto& r : *reports) {
        EXPECT_TRUE(r.status.ok()) << r.job_id << ": " << r.status.ToString();
        all.push_back(r);
      }
    }
    return all;
  }

  std::unique_ptr<JobsFixture> f_;
  JobsOptions options_;
};

TEST_P(CompactionTest, MergesL0ObjectsIntoOneL1WithBytesAndOffsetsUnchanged) {
  ProduceObjects(12);
  auto before = ReadEverything();
  const auto& t0_before = before[Key("t", 0)];
  ASSERT_EQ(before[Key("u", 0)].size(), 12u);
  ASSERT_EQ(before[Key("t", 2)].size(), 24u);
  // A fetch that resolved its chunks before the swap.
  auto resolved = Await(f_->store().FindChunks("t", 0, 0, UINT64_MAX));
  ASSERT_TRUE(resolved.ok());

  Planner planner(f_->store(), options_, "agent-a");
  auto planned = Await(planner.RunOnce(100000));
  ASSERT_TRUE(planned.ok()) << planned.status().ToString();
  EXPECT_TRUE(planned->leader);
  EXPECT_EQ(planned->compactions, 1);
  Worker worker(f_->store(), f_->objects(), options_, "agent-a");
  auto reports = Drain(worker, 100000);
  ASSERT_FALSE(reports.empty());

  auto live = f_->LiveObjects();
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].level, 1);
  EXPECT_EQ(ReadEverything(), before);  // every byte at every offset

  // The output is one object, sorted by (topic, partition), contiguous per partition.
  auto body = Await(f_->objects().Get(live[0].object_key, 0, UINT64_MAX));
  ASSERT_TRUE(body.ok());
  auto footer = ParseSegmentFooter(*body);
  ASSERT_TRUE(footer.ok()) << footer.status().ToString();
  EXPECT_EQ(footer->level, 1);
  EXPECT_EQ(footer->object_id, live[0].object_id);
  ASSERT_EQ(footer->chunks.size(), 12u * 5);
  for (size_t i = 1; i < footer->chunks.size(); ++i) {
    const auto& a = footer->chunks[i - 1];
    const auto& b = footer->chunks[i];
    EXPECT_LE(std::tie(a.topic, a.partition), std::tie(b.topic, b.partition));
  }
  // The old chunks are still readable until the grace period ends.
  for (const auto& c : *resolved) {
    EXPECT_EQ(f_->ReadChunk(c), t0_before.at(c.base_offset));
  }
  // New produce after the swap continues the offsets.
  f_->ProduceObject({{"t", 0, 2}});
  auto after = f_->ReadAll("t", 0);
  EXPECT_EQ(after.size(), t0_before.size() + 1);
  EXPECT_EQ(after.rbegin()->first, 36);
}

TEST_P(CompactionTest, LevelsCascadeAndObjectCountStaysBounded) {
  options_.compaction_min_objects = 3;
  options_.compaction_max_inputs = 3;
  Planner planner(f_->store(), options_, "a");
  Worker worker(f_->store(), f_->objects(), options_, "a");
  for (int round = 0; round < 9; ++round) {
    ProduceObjects(3);
    ASSERT_TRUE(Await(planner.RunOnce(1000 + round)).ok());
    Drain(worker, 1000 + round);
  }
  // 27 L0 objects -> 9 L1 -> 3 L2 -> 1 L3 (each level merges as soon as it holds three).
  for (int extra = 0; extra < 3; ++extra) {
    ASSERT_TRUE(Await(planner.RunOnce(2000 + extra)).ok());
    Drain(worker, 2000 + extra);
  }
  auto live = f_->LiveObjects();
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].level, 3);
  auto t2 = f_->ReadAll("t", 2);
  int64_t next = 0;
  for (const auto& [offset, batch] : t2) {
    EXPECT_EQ(offset, next);
    auto parsed = ParseBatch(batch);
    ASSERT_TRUE(parsed.ok());
    next = offset + parsed->header.last_offset_delta + 1;
  }
  EXPECT_EQ(next, f_->Partition("t", 2).high_watermark);
}

TEST_P(CompactionTest, SwapKeepsChunksRetentionRemovedMeanwhileOut) {
  ProduceObjects(4);
  auto before = f_->ReadAll("t", 0);
  auto live = f_->LiveObjects();
  CompactionJob job;
  job.output_object_id = "OUT1";
  for (const auto& o : live) job.inputs.push_back({o.object_id, o.object_key});
  // Retention drops t-0 below offset 6 between planning and the swap.
  ASSERT_TRUE(Await(f_->store().AdvanceLogStartOffset("t", 0, 6, 5000)).ok());
  auto stats = Await(RunCompaction(job, 1, testing::kPrefix, f_->store(), f_->objects(), 6000));
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  auto after = f_->ReadAll("t", 0);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after.begin()->first, 6);
  EXPECT_EQ(after[6], before[6]);
  EXPECT_EQ(after[9], before[9]);
  EXPECT_EQ(f_->LiveObjects().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(BackEnds, CompactionTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "postgres" : "sqlite";
                         });

}  // namespace
}  // namespace sluice::jobs
