// The orphan scan (objects the store does not know leave the bucket once old enough; nothing
// else is touched), the store's bulk key lookup behind it, the guard on late compaction outputs,
// and the retry backoff of failed jobs. Runs on SQLite, and on PostgreSQL too when
// SLUICE_TEST_POSTGRES_URL is set (scripts/with-postgres.sh).
#include "jobs/orphan_scan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "jobs/job_kinds.h"
#include "jobs/output_guard.h"
#include "jobs/planner.h"
#include "jobs/worker.h"
#include "jobs_fixture.h"

namespace sluice::jobs {
namespace {

using testing::Await;
using testing::JobsFixture;
using testing::kPrefix;

constexpr int64_t kT0 = 1'000'000;
constexpr int64_t kLease = 60'000;
constexpr int64_t kSafety = 3'600'000;

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Bytes Text(const std::string& s) { return Bytes(s.begin(), s.end()); }

std::set<std::string> Sorted(std::vector<std::string> v) { return {v.begin(), v.end()}; }

class OrphanScanTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam() && metadata::testing::PostgresTestUrl().empty()) {
      GTEST_SKIP() << metadata::testing::kNoPostgres;
    }
    f_ = std::make_unique<JobsFixture>(GetParam());
    options_.compaction_min_objects = 2;
    options_.object_key_prefix = kPrefix;
    options_.job_lease = std::chrono::milliseconds(kLease);
    options_.orphan_safety_age = std::chrono::milliseconds(kSafety);
    options_.orphan_scan_interval = std::chrono::milliseconds(600'000);
  }
  metadata::MetadataStore& store() { return f_->store(); }
  void Put(const std::string& key) {
    ASSERT_TRUE(Await(f_->objects().Put(key, Text("bytes of " + key))).ok());
  }
  std::set<std::string> Bucket() { return Sorted(f_->BucketKeys()); }

  std::unique_ptr<JobsFixture> f_;
  JobsOptions options_;
};

TEST_P(OrphanScanTest, KnownKeysAreLiveAndDeadObjectsOnly) {
  f_->CreateTopic("t", 1);
  const std::string a = f_->ProduceObject({{"t", 0, 2}});
  const std::string b = f_->ProduceObject({{"t", 0, 1}});
  // Expire everything: both objects become dead, still known until forgotten.
  ASSERT_TRUE(Await(store().AdvanceLogStartOffset("t", 0, -1, kT0)).ok());
  const std::string c = f_->ProduceObject({{"t", 0, 1}});  // live
  ASSERT_EQ(Await(store().ListDeadObjects(kT0, 10))->size(), 2u);

  std::vector<std::string> asked = {kPrefix + a, kPrefix + c, kPrefix + a + ".1",
                                    kPrefix + std::string("nobody"), kPrefix + b};
  // More keys than one statement binds, so the lookup works in slices.
  for (int i = 0; i < 1200; ++i)
    asked.push_back(kPrefix + std::string("unknown-") + std::to_string(i));
  asked.push_back(kPrefix + c);  // asked twice, answered once
  auto known = Await(store().ListKnownObjectKeys(asked));
  ASSERT_TRUE(known.ok()) << known.status().ToString();
  EXPECT_EQ(known->size(), 3u);
  EXPECT_EQ(Sorted(*known), (std::set<std::string>{kPrefix + a, kPrefix + b, kPrefix + c}));
  EXPECT_TRUE(Await(store().ListKnownObjectKeys({}))->empty());

  // Forgotten objects are unknown.
  ASSERT_TRUE(Await(store().ForgetObjects({a, b})).ok());
  EXPECT_EQ(Sorted(*Await(store().ListKnownObjectKeys(asked))),
            (std::set<std::string>{kPrefix + c}));
}

TEST_P(OrphanScanTest, DeletesOnlyOldUnknownSegmentObjects) {
  f_->CreateTopic("t", 2);
  for (int i = 0; i < 3; ++i) f_->ProduceObject({{"t", 0, 2}, {"t", 1, 1}});
  // A compaction: its inputs become dead (still known), its output is live under "<id>.1".
  Planner planner(store(), options_, "p");
  ASSERT_EQ(Await(planner.RunOnce(kT0))->compactions, 1);
  Worker worker(store(), f_->objects(), options_, "w");
  auto ran = Await(worker.RunOnce(kT0, 10));
  ASSERT_TRUE(ran.ok());
  const auto before0 = f_->ReadAll("t", 0);
  const auto before1 = f_->ReadAll("t", 1);
  ASSERT_EQ(f_->LiveObjects().size(), 1u);
  const std::string output_id = f_->LiveObjects()[0].object_id;

  // Old orphans: a lost compaction attempt of the same output, and a flush never committed.
  const std::string lost_attempt = kPrefix + output_id + ".7";
  const std::string uncommitted = kPrefix + std::string("01UNCOMMITTEDFLUSH");
  Put(lost_attempt);
  Put(uncommitted);
  // Not ours: elsewhere in the bucket, and a sibling prefix the segment prefix is a word of.
  const std::string other_cluster = "sluice/other/segments/01OTHER";
  const std::string sibling = "sluice/test/segments-old/01SIBLING";
  const std::string unrelated = "backups/meta.db";
  Put(other_cluster);
  Put(sibling);
  Put(unrelated);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const int64_t cut = WallMs();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::string fresh = kPrefix + std::string("01FRESHFLUSHNOTCOMMITTEDYET");
  Put(fresh);  // newer than the cut: a flush that may still commit

  const std::set<std::string> all = Bucket();
  // Scanning "now" = cut + safety age: what was written before the cut is old enough.
  auto stats = Await(RunOrphanScan(store(), f_->objects(), kPrefix, cut + kSafety, kSafety, 2));
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->orphans_deleted, 2);
  EXPECT_EQ(Sorted(stats->deleted_keys), (std::set<std::string>{lost_attempt, uncommitted}));
  std::set<std::string> expected = all;
  expected.erase(lost_attempt);
  expected.erase(uncommitted);
  EXPECT_EQ(Bucket(), expected);
  EXPECT_TRUE(expected.contains(fresh) && expected.contains(other_cluster) &&
              expected.contains(sibling) && expected.contains(unrelated));
  // The committed data (live output, dead inputs still in their grace period) is untouched.
  EXPECT_EQ(f_->ReadAll("t", 0), before0);
  EXPECT_EQ(f_->ReadAll("t", 1), before1);

  // Much later the fresh one is old too; still nothing outside the prefix goes.
  auto later = Await(RunOrphanScan(store(), f_->objects(), kPrefix, WallMs() + kSafety, kSafety));
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->orphans_deleted, 1);
  expected.erase(fresh);
  EXPECT_EQ(Bucket(), expected);
  EXPECT_EQ(f_->ReadAll("t", 0), before0);

  // A prefix that is not a directory would reach the sibling: refused.
  auto open_ended = Await(
      RunOrphanScan(store(), f_->objects(), "sluice/test/segments", WallMs() + kSafety, kSafety));
  EXPECT_EQ(open_ended.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Bucket(), expected);
}

TEST_P(OrphanScanTest, PlannerQueuesOneScanPerIntervalAndAWorkerRunsIt) {
  Planner planner(store(), options_, "p");
  auto first = Await(planner.RunOnce(kT0));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->orphan_scans, 1);
  EXPECT_EQ(Await(planner.RunOnce(kT0 + 1))->orphan_scans, 0);  // once per interval
  auto jobs = *Await(store().ListJobs());
  ASSERT_EQ(std::count_if(jobs.begin(), jobs.end(),
                          [](const auto& j) { return j.kind == kOrphanScanKind; }),
            1);

  Put(kPrefix + std::string("01ORPHAN"));
  Put("elsewhere/01ORPHAN");
  Worker worker(store(), f_->objects(), options_, "w");
  auto reports = Await(worker.RunOnce(WallMs() + kSafety + 1000, 10));
  ASSERT_TRUE(reports.ok());
  bool scanned = false;
  for (const auto& r : *reports) {
    ASSERT_TRUE(r.status.ok()) << r.job_id << ": " << r.status.ToString();
    if (r.kind != kOrphanScanKind) continue;
    scanned = true;
    EXPECT_EQ(r.objects_in, 1);
    EXPECT_EQ(r.keys, std::vector<std::string>{kPrefix + std::string("01ORPHAN")});
  }
  EXPECT_TRUE(scanned);
  EXPECT_EQ(Bucket(), std::set<std::string>{"elsewhere/01ORPHAN"});
  EXPECT_TRUE(Await(store().ListJobs())->empty());

  // Not again before the interval is over, then again.
  EXPECT_EQ(Await(planner.RunOnce(kT0 + 599'999))->orphan_scans, 0);
  EXPECT_EQ(Await(planner.RunOnce(kT0 + 600'000))->orphan_scans, 1);
}

TEST_P(OrphanScanTest, FailedJobIsReleasedWithABackoffNotItsWholeLease) {
  options_.job_retry_backoff = std::chrono::milliseconds(5000);
  options_.job_lease = std::chrono::milliseconds(15000);
  EXPECT_EQ(Worker::RetryDelayMs(options_, 1), 5000);
  EXPECT_EQ(Worker::RetryDelayMs(options_, 2), 10000);
  EXPECT_EQ(Worker::RetryDelayMs(options_, 3), 15000);  // capped by the lease
  EXPECT_EQ(Worker::RetryDelayMs(options_, 40), 15000);

  // A compaction whose input is missing from the bucket fails at every attempt.
  f_->CreateTopic("t", 1);
  const std::string a = f_->ProduceObject({{"t", 0, 1}});
  const std::string b = f_->ProduceObject({{"t", 0, 1}});
  ASSERT_TRUE(Await(f_->objects().Delete({kPrefix + a})).ok());
  CompactionJob job;
  job.output_level = 1;
  job.output_object_id = "01OUTPUT";
  job.inputs = {{a, kPrefix + a}, {b, kPrefix + b}};
  ASSERT_TRUE(
      Await(store().EnqueueJobs(
                {{CompactionJobId("01OUTPUT"), kCompactionKind, EncodeCompactionJob(job)}}, kT0))
          .ok());

  Worker worker(store(), f_->objects(), options_, "w");
  auto first = Await(worker.RunOnce(kT0, 1));
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 1u);
  EXPECT_FALSE((*first)[0].status.ok());
  EXPECT_EQ((*first)[0].retry_in_ms, 5000);
  auto listed = *Await(store().ListJobs());
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].lease_owner, "");  // nobody holds it while it waits
  EXPECT_EQ(listed[0].lease_expires_ms, kT0 + 5000);

  Worker other(store(), f_->objects(), options_, "o");
  EXPECT_TRUE(Await(other.RunOnce(kT0 + 4999, 1))->empty());
  auto second = Await(other.RunOnce(kT0 + 5000, 1));  // long before the 15 s lease
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ((*second)[0].attempts, 2);
  EXPECT_EQ((*second)[0].retry_in_ms, 10000);
  EXPECT_EQ((*Await(store().ListJobs()))[0].lease_expires_ms, kT0 + 5000 + 10000);

  // Releasing needs the lease, like finishing.
  auto held = Await(store().ClaimJobs("h", 1, kT0 + 20000, kLease));
  ASSERT_EQ(held->size(), 1u);
  EXPECT_EQ(Await(store().ReleaseJob((*held)[0].job_id, "someone-else", kT0)).code(),
            StatusCode::kConflict);
  EXPECT_TRUE(Await(store().ReleaseJob((*held)[0].job_id, "h", kT0 + 20001)).ok());
  EXPECT_EQ(Await(store().ClaimJobs("h", 1, kT0 + 20000, kLease))->size(), 0u);
  EXPECT_EQ(Await(store().ClaimJobs("h", 1, kT0 + 20001, kLease))->size(), 1u);
  // Nothing was committed.
  EXPECT_FALSE(Await(store().GetObject("01OUTPUT"))->has_value());
}

// A clock the test moves, and a bucket whose deletions take `delete_ms` of that clock (a slow
// first job of a claim).
class ManualClock : public Clock {
 public:
  int64_t NowMs() const override { return now_ms; }
  int64_t now_ms = 0;
};

class SlowDeleteStore : public storage::ObjectStore {
 public:
  SlowDeleteStore(storage::ObjectStore& inner, ManualClock& clock, int64_t delete_ms)
      : inner_(inner), clock_(clock), delete_ms_(delete_ms) {}
  Task<Status> Put(std::string key, Bytes data) override {
    return inner_.Put(std::move(key), std::move(data));
  }
  Task<Result<Bytes>> Get(std::string key, uint64_t offset, uint64_t length) override {
    return inner_.Get(std::move(key), offset, length);
  }
  Task<Result<storage::ListPage>> List(std::string prefix, std::string token, int max) override {
    return inner_.List(std::move(prefix), std::move(token), max);
  }
  Task<Status> Delete(std::vector<std::string> keys) override {
    clock_.now_ms += delete_ms_;
    return inner_.Delete(std::move(keys));
  }
  std::string Describe() const override { return inner_.Describe(); }

 private:
  storage::ObjectStore& inner_;
  ManualClock& clock_;
  int64_t delete_ms_;
};

// Jobs of one claim run one after another: a later one must not act at the claim's time, or the
// objects it makes dead are dated minutes early and leave the bucket before their grace period.
TEST_P(OrphanScanTest, EachJobOfAClaimRunsAtItsOwnTime) {
  constexpr int64_t kSlow = 4 * 60'000;
  f_->CreateTopic("gone", 1);
  f_->ProduceObject({{"gone", 0, 1}});
  ASSERT_TRUE(Await(store().AdvanceLogStartOffset("gone", 0, -1, kT0 - 600'000)).ok());
  f_->CreateTopic("t", 1);
  const std::string a = f_->ProduceObject({{"t", 0, 1}});
  const std::string b = f_->ProduceObject({{"t", 0, 1}});
  CompactionJob job;
  job.output_level = 1;
  job.output_object_id = "01OUTPUT";
  job.inputs = {{a, kPrefix + a}, {b, kPrefix + b}};
  ASSERT_TRUE(Await(store().EnqueueJobs({{kDeletionJobId, kDeletionKind, ""}}, kT0 - 1)).ok());
  ASSERT_TRUE(
      Await(store().EnqueueJobs(
                {{CompactionJobId("01OUTPUT"), kCompactionKind, EncodeCompactionJob(job)}}, kT0))
          .ok());

  ManualClock clock;
  clock.now_ms = kT0;
  SlowDeleteStore slow(f_->objects(), clock, kSlow);
  Worker worker(store(), slow, options_, "w", &clock);
  auto reports = Await(worker.RunOnce(kT0, 4));
  ASSERT_TRUE(reports.ok());
  ASSERT_EQ(reports->size(), 2u);
  EXPECT_EQ((*reports)[0].kind, kDeletionKind);
  for (const auto& r : *reports) EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  // The compaction ran after the slow deletion: its inputs died then, not at the claim.
  for (const std::string& input : {a, b}) {
    auto object = Await(store().GetObject(input));
    ASSERT_TRUE(object.ok() && object->has_value());
    EXPECT_EQ((*object)->dead_since_ms, kT0 + kSlow) << input;
  }
  auto output = Await(store().GetObject("01OUTPUT"));
  ASSERT_TRUE(output.ok() && output->has_value());
  EXPECT_EQ((*output)->created_ms, kT0 + kSlow);
}

TEST_P(OrphanScanTest, GuardFailsOutputsThatTookTooLongAndRemovesThem) {
  GuardedOutputStore quick(f_->objects(), std::chrono::hours(1), std::chrono::milliseconds(0),
                           nullptr);
  EXPECT_TRUE(Await(quick.Put(kPrefix + std::string("ok.1"), Text("x"))).ok());
  GuardedOutputStore slow(f_->objects(), std::chrono::milliseconds(10),
                          std::chrono::milliseconds(50), nullptr);
  Status late = Await(slow.Put(kPrefix + std::string("late.1"), Text("y")));
  EXPECT_EQ(late.code(), StatusCode::kTimeout) << late.ToString();
  EXPECT_EQ(Bucket(), std::set<std::string>{kPrefix + std::string("ok.1")});
  // Reads pass through.
  EXPECT_EQ(*Await(slow.Get(kPrefix + std::string("ok.1"), 0, 1)), Text("x"));
}

INSTANTIATE_TEST_SUITE_P(BackEnds, OrphanScanTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "postgres" : "sqlite";
                         });

}  // namespace
}  // namespace sluice::jobs
