// The backlog rules (docs/jobs.md "Backlog"): the state machine with its hysteresis, the throttle
// delay, the monitor's gauges, counters and rate-limited warnings, and a refresh from a real
// SQLite store filling up with level-0 objects.
#include "agent/backlog/backlog_monitor.h"

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "common/blocking.h"

namespace sluice::agent {
namespace {

using metadata::BacklogStats;
using std::chrono::milliseconds;

class ManualClock : public Clock {
 public:
  int64_t NowMs() const override { return now_ms; }
  int64_t now_ms = 1'000'000;
};

class CapturingSink : public obs::LogSink {
 public:
  void Write(std::string_view line) override {
    std::lock_guard lock(mu_);
    lines_.emplace_back(line);
  }
  std::vector<std::string> Lines() {
    std::lock_guard lock(mu_);
    return lines_;
  }
  size_t CountContaining(const std::string& text) {
    size_t n = 0;
    for (const auto& line : Lines()) n += line.find(text) != std::string::npos ? 1 : 0;
    return n;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

BacklogLimits Limits() {
  BacklogLimits limits;
  limits.throttle_objects = 2000;
  limits.refuse_objects = 5000;
  limits.throttle_bytes = 1000000;
  limits.refuse_bytes = 4000000;
  limits.max_throttle = milliseconds(1000);
  return limits;
}

BacklogStats Objects(int64_t objects, int64_t bytes = 0) {
  BacklogStats stats;
  stats.uncompacted_objects = objects;
  stats.uncompacted_bytes = bytes;
  return stats;
}

TEST(BacklogLimitsTest, StatesRiseAsSoonAsALimitIsReached) {
  const BacklogLimits limits = Limits();
  EXPECT_EQ(NextBacklogState(BacklogState::kOk, Objects(1999), limits), BacklogState::kOk);
  EXPECT_EQ(NextBacklogState(BacklogState::kOk, Objects(2000), limits), BacklogState::kThrottling);
  EXPECT_EQ(NextBacklogState(BacklogState::kOk, Objects(5000), limits), BacklogState::kRefusing);
  EXPECT_EQ(NextBacklogState(BacklogState::kThrottling, Objects(4999), limits),
            BacklogState::kThrottling);
  EXPECT_EQ(NextBacklogState(BacklogState::kThrottling, Objects(5000), limits),
            BacklogState::kRefusing);
  // Bytes alone are enough.
  EXPECT_EQ(NextBacklogState(BacklogState::kOk, Objects(1, 1000000), limits),
            BacklogState::kThrottling);
  EXPECT_EQ(NextBacklogState(BacklogState::kOk, Objects(1, 4000000), limits),
            BacklogState::kRefusing);
}

TEST(BacklogLimitsTest, StatesFallOnlyBelowNinetyPercentOfTheirLimits) {
  const BacklogLimits limits = Limits();
  // Refusing until under 4500 objects, then throttling until under 1800.
  EXPECT_EQ(NextBacklogState(BacklogState::kRefusing, Objects(4501), limits),
            BacklogState::kRefusing);
  EXPECT_EQ(NextBacklogState(BacklogState::kRefusing, Objects(4499), limits),
            BacklogState::kThrottling);
  EXPECT_EQ(NextBacklogState(BacklogState::kThrottling, Objects(1801), limits),
            BacklogState::kThrottling);
  EXPECT_EQ(NextBacklogState(BacklogState::kThrottling, Objects(1799), limits), BacklogState::kOk);
  // A drained backlog goes straight from refusing to ok.
  EXPECT_EQ(NextBacklogState(BacklogState::kRefusing, Objects(3), limits), BacklogState::kOk);
  // The band applies to bytes too: 3.7 MB keeps refusing (limit 4 MB, band from 3.6 MB).
  EXPECT_EQ(NextBacklogState(BacklogState::kRefusing, Objects(1, 3700000), limits),
            BacklogState::kRefusing);
  EXPECT_EQ(NextBacklogState(BacklogState::kRefusing, Objects(1, 3500000), limits),
            BacklogState::kThrottling);
}

TEST(BacklogLimitsTest, ZeroTurnsALimitOff) {
  BacklogLimits limits = Limits();
  limits.refuse_objects = 0;
  limits.throttle_bytes = 0;
  limits.refuse_bytes = 0;
  EXPECT_EQ(NextBacklogState(BacklogState::kOk, Objects(1000000, 1LL << 50), limits),
            BacklogState::kThrottling);
  limits.throttle_objects = 0;
  EXPECT_EQ(NextBacklogState(BacklogState::kThrottling, Objects(1000000, 1LL << 50), limits),
            BacklogState::kOk);
  EXPECT_TRUE(ValidateBacklogLimits(limits).ok());
}

TEST(BacklogLimitsTest, ThrottleGrowsFromATenthToTheMaximum) {
  const BacklogLimits limits = Limits();
  EXPECT_EQ(ThrottleDelay(Objects(2000), limits), milliseconds(100));
  EXPECT_EQ(ThrottleDelay(Objects(3500), limits), milliseconds(550));
  EXPECT_EQ(ThrottleDelay(Objects(5000), limits), milliseconds(1000));
  EXPECT_EQ(ThrottleDelay(Objects(9000), limits), milliseconds(1000));
  // In the hysteresis band below the throttle limit it stays at the minimum.
  EXPECT_EQ(ThrottleDelay(Objects(1900), limits), milliseconds(100));
  // The measure nearest its refuse limit decides: bytes half-way, objects at the throttle limit.
  EXPECT_EQ(ThrottleDelay(Objects(2000, 2500000), limits), milliseconds(550));
  EXPECT_EQ(BacklogReason(Objects(2000, 2500000), limits), "uncompacted_bytes");
  EXPECT_EQ(BacklogReason(Objects(4000, 2500000), limits), "uncompacted_objects");
}

TEST(BacklogLimitsTest, ValidationRejectsARefuseLimitBelowItsThrottleLimit) {
  BacklogLimits limits = Limits();
  EXPECT_TRUE(ValidateBacklogLimits(limits).ok());
  limits.refuse_objects = 1999;
  EXPECT_FALSE(ValidateBacklogLimits(limits).ok());
  limits = Limits();
  limits.refuse_bytes = 10;
  EXPECT_FALSE(ValidateBacklogLimits(limits).ok());
  limits = Limits();
  limits.throttle_objects = -1;
  EXPECT_FALSE(ValidateBacklogLimits(limits).ok());
}

class BacklogMonitorTest : public ::testing::Test {
 protected:
  BacklogMonitorTest()
      : sink_(std::make_shared<CapturingSink>()),
        logger_(obs::LogLevel::kInfo, obs::LogFormat::kText, sink_),
        monitor_(io_.get_executor(), *store_, clock_, logger_, metrics_, Limits(),
                 [this] { return jobs_agents_; }) {}

  std::string Metrics() { return metrics_.RenderPrometheus(); }
  bool HasSample(const std::string& sample) {
    return Metrics().find(sample + "\n") != std::string::npos;
  }

  asio::io_context io_;
  ManualClock clock_;
  std::shared_ptr<CapturingSink> sink_;
  obs::Logger logger_;
  obs::MetricsRegistry metrics_;
  // Apply() does not read it; RefreshOnce is tested against a filling store below.
  asio::thread_pool pool_{1};
  std::unique_ptr<metadata::MetadataStore> store_ =
      std::move(metadata::OpenMetadataStore("sqlite::memory:", pool_.get_executor())).value();
  int jobs_agents_ = 0;
  BacklogMonitor monitor_;
};

TEST_F(BacklogMonitorTest, GaugesFollowTheStatsAndTheState) {
  BacklogStats stats = Objects(2500, 123456);
  stats.pending_jobs = 7;
  stats.oldest_pending_job_age_ms = 4500;
  monitor_.Apply(stats);
  EXPECT_EQ(monitor_.state(), BacklogState::kThrottling);
  EXPECT_TRUE(HasSample("sluice_backlog_uncompacted_objects 2500"));
  EXPECT_TRUE(HasSample("sluice_backlog_uncompacted_bytes 123456"));
  EXPECT_TRUE(HasSample("sluice_backlog_pending_jobs 7"));
  EXPECT_TRUE(HasSample("sluice_backlog_oldest_pending_job_seconds 4.5"));
  EXPECT_TRUE(HasSample("sluice_backlog_state 1"));
  monitor_.Apply(Objects(6000));
  EXPECT_TRUE(HasSample("sluice_backlog_state 2"));
  monitor_.Apply(Objects(10));
  EXPECT_TRUE(HasSample("sluice_backlog_state 0"));
}

TEST_F(BacklogMonitorTest, AdmitSlowsThenRefusesAndCountsBoth) {
  BacklogDecision ok = monitor_.Admit();
  EXPECT_EQ(ok.state, BacklogState::kOk);
  EXPECT_EQ(ok.throttle, milliseconds(0));
  EXPECT_FALSE(ok.refused());

  monitor_.Apply(Objects(3500));
  BacklogDecision slow = monitor_.Admit();
  EXPECT_EQ(slow.state, BacklogState::kThrottling);
  EXPECT_EQ(slow.throttle, milliseconds(550));
  EXPECT_FALSE(slow.refused());
  monitor_.Admit();
  EXPECT_TRUE(HasSample("sluice_produce_throttled_total 2"));

  monitor_.Apply(Objects(5200, 10));
  BacklogDecision refused = monitor_.Admit();
  EXPECT_TRUE(refused.refused());
  EXPECT_EQ(refused.throttle, milliseconds(0));
  EXPECT_NE(refused.message.find("5200 uncompacted objects"), std::string::npos) << refused.message;
  EXPECT_NE(refused.message.find("-roles jobs"), std::string::npos) << refused.message;
  monitor_.Admit();
  monitor_.Admit();
  EXPECT_TRUE(HasSample("sluice_produce_refused_total{reason=\"uncompacted_objects\"} 3"));
  EXPECT_TRUE(HasSample("sluice_produce_throttled_total 2"));  // refusals are not throttles
}

TEST_F(BacklogMonitorTest, WarnsAtOnceWhenWorseThenOnceAMinute) {
  monitor_.Apply(Objects(2100));
  EXPECT_EQ(sink_->CountContaining("a jobs agent is needed"), 1u);
  EXPECT_EQ(sink_->CountContaining("produce is slowed"), 1u);
  // Still over the limit 30 s later: quiet; a minute after the warning: again.
  clock_.now_ms += 30000;
  monitor_.Apply(Objects(2200));
  EXPECT_EQ(sink_->CountContaining("a jobs agent is needed"), 1u);
  clock_.now_ms += 30000;
  monitor_.Apply(Objects(2300));
  EXPECT_EQ(sink_->CountContaining("a jobs agent is needed"), 2u);
  // Getting worse is said at once.
  clock_.now_ms += 1000;
  monitor_.Apply(Objects(5100));
  EXPECT_EQ(sink_->CountContaining("produce is refused"), 1u);
  // With a jobs agent alive, the advice is to add more.
  jobs_agents_ = 2;
  clock_.now_ms += 60000;
  monitor_.Apply(Objects(5100));
  EXPECT_EQ(sink_->CountContaining("2 jobs agent(s) do not keep up"), 1u);
  // Back under the limits: said once, and the next backlog warns at once again.
  monitor_.Apply(Objects(5));
  EXPECT_EQ(sink_->CountContaining("under its limits again"), 1u);
  const size_t warnings = sink_->CountContaining("backlog over its");
  monitor_.Apply(Objects(2100));
  EXPECT_EQ(sink_->CountContaining("backlog over its"), warnings + 1);
}

TEST(BacklogMonitorStoreTest, RefreshReadsLevelZeroObjectsFromSqlite) {
  asio::thread_pool pool(1);
  auto opened = metadata::OpenMetadataStore("sqlite::memory:", pool.get_executor());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto store = std::move(opened).value();
  ASSERT_TRUE(RunSync(store->Migrate()).ok());
  auto run = [](auto task) {
    auto boxed = [](decltype(task) t) -> Task<Status> {
      auto r = co_await std::move(t);
      if constexpr (std::is_same_v<decltype(r), Status>) {
        co_return r;
      } else {
        co_return r.ok() ? Status::Ok() : r.status();
      }
    };
    return RunSync(boxed(std::move(task)));
  };
  ASSERT_TRUE(run(store->CreateTopic("t", 1, {})).ok());

  asio::io_context io;
  ManualClock clock;
  obs::Logger logger(obs::LogLevel::kError, obs::LogFormat::kText,
                     std::make_shared<CapturingSink>());
  obs::MetricsRegistry metrics;
  BacklogLimits limits;
  limits.throttle_objects = 3;
  limits.refuse_objects = 5;
  limits.throttle_bytes = 0;
  limits.refuse_bytes = 0;
  BacklogMonitor monitor(io.get_executor(), *store, clock, logger, metrics, limits, nullptr);

  BacklogState expected[] = {BacklogState::kOk, BacklogState::kOk, BacklogState::kThrottling,
                             BacklogState::kThrottling, BacklogState::kRefusing};
  for (int i = 0; i < 5; ++i) {
    metadata::CommitRequest r;
    r.object_id = "o" + std::to_string(i);
    r.object_key = "sluice/test/" + r.object_id;
    r.object_size = 100;
    metadata::ChunkToCommit c;
    c.topic = "t";
    c.byte_length = 100;
    c.record_count = 1;
    r.chunks.push_back(c);
    ASSERT_TRUE(run(store->CommitObject(std::move(r))).ok());
    ASSERT_TRUE(RunSync(monitor.RefreshOnce()).ok());
    EXPECT_EQ(monitor.stats().uncompacted_objects, i + 1);
    EXPECT_EQ(monitor.stats().uncompacted_bytes, 100 * (i + 1));
    EXPECT_EQ(monitor.state(), expected[i]) << "after object " << i;
  }
  EXPECT_TRUE(monitor.Admit().refused());
}

}  // namespace
}  // namespace sluice::agent
