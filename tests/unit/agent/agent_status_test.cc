// /v1/status: readiness from the agent's state and the cached store probes; and the mirrored
// counters of /metrics.
#include "agent/agent_status.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "agent/agent_metrics.h"
#include "common/blocking.h"
#include "observability/metrics.h"

namespace sluice::agent {
namespace {

class ManualClock : public Clock {
 public:
  int64_t NowMs() const override { return now_ms; }
  int64_t now_ms = 1'000'000;
};

// Forwards to a mem:// store; LIST fails on demand and is counted.
class FlakyStore : public storage::ObjectStore {
 public:
  explicit FlakyStore(std::unique_ptr<storage::ObjectStore> inner) : inner_(std::move(inner)) {}
  Task<Status> Put(std::string key, Bytes data) override {
    co_return co_await inner_->Put(std::move(key), std::move(data));
  }
  Task<Result<Bytes>> Get(std::string key, uint64_t offset, uint64_t length) override {
    co_return co_await inner_->Get(std::move(key), offset, length);
  }
  Task<Result<storage::ListPage>> List(std::string prefix, std::string token,
                                       int max_keys) override {
    ++lists;
    if (fail) co_return Status::IOError("bucket unreachable");
    co_return co_await inner_->List(std::move(prefix), std::move(token), max_keys);
  }
  Task<Status> Delete(std::vector<std::string> keys) override {
    co_return co_await inner_->Delete(std::move(keys));
  }
  std::string Describe() const override { return "flaky"; }

  int lists = 0;
  bool fail = false;

 private:
  std::unique_ptr<storage::ObjectStore> inner_;
};

class AgentStatusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = metadata::OpenMetadataStore("sqlite::memory:", pool_.get_executor());
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(store).value();
    ASSERT_TRUE(RunSync(store_->Migrate()).ok());
    auto objects = storage::OpenObjectStore("mem://status-test", pool_.get_executor());
    ASSERT_TRUE(objects.ok()) << objects.status().message();
    objects_ = std::make_unique<FlakyStore>(std::move(objects).value());
    probe_ = std::make_unique<HealthProbe>(*store_, *objects_, "sluice/c/", clock_,
                                           std::chrono::seconds(3));
    facts_.node_id = 7;
    facts_.version = "0.1.0";
    facts_.roles = {"proxy", "jobs"};
    facts_.availability_zone = "az1";
    facts_.started = true;
  }
  void Refresh() {
    RunSync([this]() -> Task<bool> {
      co_await probe_->Refresh();
      co_return true;
    }());
  }
  nlohmann::json Body(const HttpResponse& r) { return nlohmann::json::parse(r.body); }

  asio::thread_pool pool_{1};
  ManualClock clock_;
  std::unique_ptr<metadata::MetadataStore> store_;
  std::unique_ptr<FlakyStore> objects_;
  std::unique_ptr<HealthProbe> probe_;
  StatusFacts facts_;
};

TEST_F(AgentStatusTest, NotReadyBeforeTheFirstProbe) {
  auto r = RenderStatus(facts_, *probe_);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(Body(r)["checks"]["bucket"]["error"], "not probed yet");
}

TEST_F(AgentStatusTest, ReadyWithHealthyStores) {
  Refresh();
  auto r = RenderStatus(facts_, *probe_);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  auto j = Body(r);
  EXPECT_EQ(j["status"], "ready");
  EXPECT_EQ(j["ready"], true);
  EXPECT_EQ(j["agent_id"], 7);
  EXPECT_EQ(j["roles"], nlohmann::json({"proxy", "jobs"}));
  EXPECT_EQ(j["availability_zone"], "az1");
  EXPECT_EQ(j["checks"]["metadata_store"]["ok"], true);
  EXPECT_EQ(j["checks"]["bucket"]["ok"], true);
  EXPECT_EQ(j["checks"]["bucket"]["checked_at_ms"], clock_.now_ms);
}

TEST_F(AgentStatusTest, ProbesAreCachedForTheInterval) {
  Refresh();
  EXPECT_EQ(objects_->lists, 1);
  objects_->fail = true;
  clock_.now_ms += 2999;
  Refresh();
  EXPECT_EQ(objects_->lists, 1);  // cached: still healthy
  EXPECT_EQ(RenderStatus(facts_, *probe_).status, 200);
  clock_.now_ms += 1;
  Refresh();
  EXPECT_EQ(objects_->lists, 2);
  auto r = RenderStatus(facts_, *probe_);
  EXPECT_EQ(r.status, 503);
  auto j = Body(r);
  EXPECT_EQ(j["status"], "unhealthy");
  EXPECT_EQ(j["checks"]["bucket"]["ok"], false);
  EXPECT_NE(j["checks"]["bucket"]["error"].get<std::string>().find("bucket unreachable"),
            std::string::npos);
  EXPECT_EQ(j["checks"]["metadata_store"]["ok"], true);
}

TEST_F(AgentStatusTest, DrainingAndStartingAnswer503) {
  Refresh();
  facts_.draining = true;
  auto r = RenderStatus(facts_, *probe_);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(Body(r)["status"], "draining");
  facts_.draining = false;
  facts_.started = false;
  r = RenderStatus(facts_, *probe_);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(Body(r)["status"], "starting");
}

TEST(MirroredCounterTest, FollowsATotalAndNeverGoesBack) {
  obs::MetricsRegistry registry;
  auto& counter = registry.AddCounter("sluice_things_total", "Things.").Get();
  MirroredCounter mirror(counter);
  mirror.Update(5);
  mirror.Update(7);
  EXPECT_EQ(counter.Value(), 7u);
  mirror.Update(3);  // a source that restarted must not move the counter back
  EXPECT_EQ(counter.Value(), 7u);
  mirror.Update(9);
  EXPECT_EQ(counter.Value(), 9u);
}

}  // namespace
}  // namespace sluice::agent
