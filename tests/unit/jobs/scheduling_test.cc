// Scheduling: one planner under a lease, workers claiming disjoint jobs, a dead worker's job
// retried after its lease without duplicating its result. Runs on SQLite, and on PostgreSQL too
// when SLUICE_TEST_POSTGRES_URL is set (scripts/with-postgres.sh).
#include <gtest/gtest.h>

#include <set>

#include "jobs/job_kinds.h"
#include "jobs/planner.h"
#include "jobs/worker.h"
#include "jobs_fixture.h"

namespace sluice::jobs {
namespace {

using testing::Await;
using testing::JobsFixture;

constexpr int64_t kT0 = 1'000'000;
constexpr int64_t kLease = 10'000;

class SchedulingTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam() && metadata::testing::PostgresTestUrl().empty()) {
      GTEST_SKIP() << metadata::testing::kNoPostgres;
    }
    f_ = std::make_unique<JobsFixture>(GetParam());
    options_.compaction_min_objects = 2;
    options_.object_key_prefix = testing::kPrefix;
    options_.job_lease = std::chrono::milliseconds(kLease);
  }
  metadata::MetadataStore& store() { return f_->store(); }

  std::unique_ptr<JobsFixture> f_;
  JobsOptions options_;
};

TEST_P(SchedulingTest, OnePlannerAtATimeUntilItsLeaseRunsOut) {
  EXPECT_TRUE(*Await(store().AcquireLease("planner", "a", kT0, kLease)));
  EXPECT_FALSE(*Await(store().AcquireLease("planner", "b", kT0 + 1, kLease)));
  EXPECT_TRUE(*Await(store().AcquireLease("planner", "a", kT0 + 5000, kLease)));  // renewal
  EXPECT_FALSE(*Await(store().AcquireLease("planner", "b", kT0 + kLease + 1, kLease)));
  EXPECT_TRUE(*Await(store().AcquireLease("planner", "b", kT0 + 5000 + kLease, kLease)));
  EXPECT_FALSE(*Await(store().AcquireLease("planner", "a", kT0 + 5001 + kLease, kLease)));
  EXPECT_TRUE(*Await(store().AcquireLease("other", "a", kT0, kLease)));  // leases are named

  Planner a(store(), options_, "a");
  auto stats = Await(a.RunOnce(kT0 + 6000 + kLease));
  ASSERT_TRUE(stats.ok());
  EXPECT_FALSE(stats->leader);
}

TEST_P(SchedulingTest, EnqueueIsIdempotentAndConcurrentClaimsAreDisjoint) {
  std::vector<metadata::JobSpec> specs;
  for (int i = 0; i < 40; ++i) {
    specs.push_back({"job-" + std::to_string(100 + i), "retention", "topic" + std::to_string(i)});
  }
  ASSERT_TRUE(Await(store().EnqueueJobs(specs, kT0)).ok());
  specs[0].payload = "changed";
  ASSERT_TRUE(Await(store().EnqueueJobs(specs, kT0 + 1)).ok());
  auto listed = Await(store().ListJobs());
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 40u);
  EXPECT_EQ((*listed)[0].payload, "topic0");

  // Eight claimers at once on the store's threads.
  asio::thread_pool claimers(4);
  using Claim = std::optional<Result<std::vector<metadata::ClaimedJob>>>;
  std::vector<std::future<Claim>> futures;
  for (int w = 0; w < 8; ++w) {
    futures.push_back(asio::co_spawn(
        claimers,
        [&, w]() -> Task<Claim> {
          co_return co_await store().ClaimJobs("w" + std::to_string(w), 7, kT0 + 2, kLease);
        },
        asio::use_future));
  }
  std::set<std::string> seen;
  size_t total = 0;
  for (auto& f : futures) {
    auto claimed = *f.get();
    ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
    for (const auto& job : *claimed) {
      EXPECT_TRUE(seen.insert(job.job_id).second) << job.job_id << " claimed twice";
      EXPECT_EQ(job.attempts, 1);
      EXPECT_EQ(job.lease_expires_ms, kT0 + 2 + kLease);
    }
    total += claimed->size();
  }
  claimers.join();
  EXPECT_EQ(total, 40u);
  // Nothing is claimable while the leases run.
  EXPECT_TRUE(Await(store().ClaimJobs("late", 100, kT0 + kLease, kLease))->empty());
  // Finishing needs the lease.
  auto first = *Await(store().ListJobs());
  const std::string holder = first[0].lease_owner;
  EXPECT_EQ(Await(store().FinishJob(first[0].job_id, "someone-else")).code(),
            StatusCode::kConflict);
  EXPECT_TRUE(Await(store().FinishJob(first[0].job_id, holder)).ok());
  EXPECT_EQ(Await(store().ListJobs())->size(), 39u);
}

TEST_P(SchedulingTest, ExpiredJobIsRetriedElsewhereWithoutDuplicatingItsResult) {
  f_->CreateTopic("t", 2);
  for (int i = 0; i < 3; ++i) f_->ProduceObject({{"t", 0, 2}, {"t", 1, 1}});
  auto before0 = f_->ReadAll("t", 0);
  auto before1 = f_->ReadAll("t", 1);

  Planner planner(store(), options_, "a");
  auto planned = Await(planner.RunOnce(kT0));
  ASSERT_TRUE(planned.ok()) << planned.status().ToString();
  ASSERT_EQ(planned->compactions, 1);
  // Nothing new is planned for objects a queued job already names.
  ASSERT_EQ(Await(planner.RunOnce(kT0 + 1))->compactions, 0);

  // Worker A claims the job and dies before doing anything.
  auto a_claim = Await(store().ClaimJobs("A", 10, kT0, kLease));
  ASSERT_TRUE(a_claim.ok());
  std::vector<metadata::ClaimedJob> compactions;
  for (const auto& j : *a_claim) {
    if (j.kind == kCompactionKind) compactions.push_back(j);
  }
  ASSERT_EQ(compactions.size(), 1u);
  Worker b(store(), f_->objects(), options_, "B");
  auto early = Await(b.RunOnce(kT0 + kLease - 1, 10));
  ASSERT_TRUE(early.ok());
  EXPECT_TRUE(early->empty()) << "claimed while A's lease runs";

  // After the lease, B gets it (second attempt) and completes it.
  auto late = Await(b.RunOnce(kT0 + kLease, 10));
  ASSERT_TRUE(late.ok());
  bool compacted = false;
  for (const auto& r : *late) {
    EXPECT_TRUE(r.status.ok()) << r.job_id << ": " << r.status.ToString();
    if (r.kind == kCompactionKind) {
      compacted = true;
      EXPECT_EQ(r.attempts, 2);
    }
  }
  ASSERT_TRUE(compacted);
  // A wakes up and runs its stale claim: it changes nothing.
  Worker a(store(), f_->objects(), options_, "A");
  JobReport stale = Await(a.Run(compactions[0], kT0 + kLease + 5));
  EXPECT_TRUE(stale.status.ok()) << stale.status.ToString();
  EXPECT_EQ(stale.objects_in, 0);

  auto live = f_->LiveObjects();
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].level, 1);
  EXPECT_EQ(f_->ReadAll("t", 0), before0);
  EXPECT_EQ(f_->ReadAll("t", 1), before1);
  // Three inputs and exactly one output in the bucket (no second output written).
  EXPECT_EQ(f_->BucketKeys().size(), 4u);
  EXPECT_TRUE(Await(store().ListJobs())->empty());
}

INSTANTIATE_TEST_SUITE_P(BackEnds, SchedulingTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "postgres" : "sqlite";
                         });

}  // namespace
}  // namespace sluice::jobs
