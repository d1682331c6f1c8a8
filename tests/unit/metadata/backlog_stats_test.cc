// MetadataStore::GetBacklogStats on every back end: live level-0 objects and bytes, queued jobs
// (held or not) and the oldest one's age. The PostgreSQL instance skips unless
// SLUICE_TEST_POSTGRES_URL names a database (scripts/with-postgres.sh provides one).
#include <gtest/gtest.h>

#include <filesystem>

#include "await.h"
#include "metadata/metadata_store.h"
#include "postgres_test_db.h"
#include "temp_dir.h"

namespace sluice::metadata {
namespace {

using testing::Await;

struct BackEnd {
  std::string name;
  bool postgres = false;
};

void PrintTo(const BackEnd& back_end, std::ostream* os) { *os << back_end.name; }

class BacklogStatsTest : public ::testing::TestWithParam<BackEnd> {
 protected:
  void SetUp() override {
    std::string url = "sqlite://" + (dir_.path() / "meta.db").string();
    if (GetParam().postgres) {
      if (testing::PostgresTestUrl().empty()) GTEST_SKIP() << testing::kNoPostgres;
      url = testing::PostgresUrlForSchema(testing::SchemaFor(dir_.path()));
    }
    auto opened = OpenMetadataStore(url, pool_.get_executor());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    Status migrated = Await(store_->Migrate());
    ASSERT_TRUE(migrated.ok()) << migrated.ToString();
    auto created = Await(store_->CreateTopic("t", 2, {}));
    ASSERT_TRUE(created.ok()) << created.status().ToString();
  }
  void TearDown() override {
    store_.reset();
    pool_.join();
    if (GetParam().postgres && !testing::PostgresTestUrl().empty()) {
      testing::DropSchema(testing::SchemaFor(dir_.path()));
    }
  }

  // Commits one level-0 object of `size` bytes holding one 10-record batch of `partition`.
  void CommitL0(const std::string& id, int32_t partition, uint32_t size) {
    CommitRequest r;
    r.object_id = id;
    r.object_key = "sluice/test/" + id;
    r.object_size = size;
    ChunkToCommit c;
    c.topic = "t";
    c.partition = partition;
    c.byte_length = size;
    c.record_count = 10;
    c.last_offset_delta = 9;
    c.first_timestamp = 1000;
    c.max_timestamp = 1000;
    r.chunks.push_back(c);
    auto committed = Await(store_->CommitObject(std::move(r)));
    ASSERT_TRUE(committed.ok()) << committed.status().ToString();
    ASSERT_EQ(committed->chunks.at(0).error_code, 0);
  }

  BacklogStats Stats(int64_t now_ms) {
    auto stats = Await(store_->GetBacklogStats(now_ms));
    EXPECT_TRUE(stats.ok()) << stats.status().ToString();
    return stats.ok() ? *stats : BacklogStats{-1, -1, -1, -1};
  }

  testing::TempDir dir_;
  asio::thread_pool pool_{2};
  std::unique_ptr<MetadataStore> store_;
};

TEST_P(BacklogStatsTest, EmptyStoreHasNoBacklog) {
  BacklogStats stats = Stats(5000);
  EXPECT_EQ(stats.uncompacted_objects, 0);
  EXPECT_EQ(stats.uncompacted_bytes, 0);
  EXPECT_EQ(stats.pending_jobs, 0);
  EXPECT_EQ(stats.oldest_pending_job_age_ms, 0);
}

TEST_P(BacklogStatsTest, CountsLiveLevelZeroObjectsAndBytesOnly) {
  CommitL0("a", 0, 100);
  CommitL0("b", 1, 250);
  CommitL0("c", 1, 4000);
  BacklogStats stats = Stats(5000);
  EXPECT_EQ(stats.uncompacted_objects, 3);
  EXPECT_EQ(stats.uncompacted_bytes, 4350);

  // Dropping partition 1's records kills b and c: dead objects are no backlog.
  auto advanced = Await(store_->AdvanceLogStartOffset("t", 1, -1, 6000));
  ASSERT_TRUE(advanced.ok()) << advanced.status().ToString();
  stats = Stats(6000);
  EXPECT_EQ(stats.uncompacted_objects, 1);
  EXPECT_EQ(stats.uncompacted_bytes, 100);
}

TEST_P(BacklogStatsTest, PendingJobsAndTheOldestAgeFollowTheQueue) {
  ASSERT_TRUE(Await(store_->EnqueueJobs({{"j1", "compaction", "p1"}}, 1000)).ok());
  ASSERT_TRUE(
      Await(store_->EnqueueJobs({{"j2", "compaction", "p2"}, {"j3", "deletion", "p3"}}, 4000))
          .ok());
  BacklogStats stats = Stats(10000);
  EXPECT_EQ(stats.pending_jobs, 3);
  EXPECT_EQ(stats.oldest_pending_job_age_ms, 9000);

  // A claimed job is still pending until it is finished.
  auto claimed = Await(store_->ClaimJobs("w", 1, 10000, 60000));
  ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ(claimed->front().job_id, "j1");
  EXPECT_EQ(Stats(10000).pending_jobs, 3);
  ASSERT_TRUE(Await(store_->FinishJob("j1", "w")).ok());
  stats = Stats(10000);
  EXPECT_EQ(stats.pending_jobs, 2);
  EXPECT_EQ(stats.oldest_pending_job_age_ms, 6000);

  // A caller whose clock is behind the enqueuer's never sees a negative age.
  EXPECT_EQ(Stats(3000).oldest_pending_job_age_ms, 0);
}

INSTANTIATE_TEST_SUITE_P(BackEnds, BacklogStatsTest,
                         ::testing::Values(BackEnd{"sqlite", false}, BackEnd{"postgres", true}),
                         [](const ::testing::TestParamInfo<BackEnd>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace sluice::metadata
