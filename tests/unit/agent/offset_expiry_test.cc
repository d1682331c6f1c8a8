// Offset expiry against a real (in-memory SQLite) metadata store.
#include "agent/groups/offset_expiry.h"

#include <gtest/gtest.h>

#include "common/blocking.h"

namespace sluice::agent::groups {
namespace {

constexpr int64_t kDay = 24LL * 3600 * 1000;

class ManualClock : public Clock {
 public:
  int64_t NowMs() const override { return now; }
  int64_t now = 100 * kDay;
};

class OffsetExpiryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = metadata::OpenMetadataStore("sqlite::memory:", pool_.get_executor());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    ASSERT_TRUE(RunSync(store_->Migrate()).ok());
    ASSERT_TRUE(RunSync(store_->CreateTopic("t", 2, {})).ok());
  }
  void TearDown() override {
    store_.reset();
    pool_.join();
  }

  void Commit(const std::string& group, int32_t partition, int64_t offset, int64_t age_ms) {
    metadata::CommittedOffset c;
    c.offset = offset;
    c.metadata = "m";
    c.commit_time_ms = clock_.now - age_ms;
    ASSERT_TRUE(RunSync(store_->CommitOffsets(group, {{"t", partition, c}})).ok());
  }

  std::map<int32_t, int64_t> Offsets(const std::string& group) {
    auto fetched = RunSync(store_->FetchOffsets(group));
    EXPECT_TRUE(fetched.ok());
    std::map<int32_t, int64_t> out;
    for (const auto& [key, c] : *fetched) out[key.second] = c.offset;
    return out;
  }

  asio::thread_pool pool_{1};
  std::unique_ptr<metadata::MetadataStore> store_;
  ManualClock clock_;
  GroupCoordinator coordinator_{clock_, GroupSettings{0, 6000, 1800000}};
};

TEST_F(OffsetExpiryTest, ExpiresOldOffsetsOfGroupsWithoutMembersOnly) {
  Commit("idle", 0, 5, 8 * kDay);
  Commit("idle", 1, 9, 1 * kDay);
  Commit("active", 0, 7, 30 * kDay);

  JoinParams p;
  p.group_id = "active";
  p.client_id = "c";
  p.session_timeout_ms = 10000;
  p.protocol_type = "consumer";
  p.protocols = {{"range", Bytes{}}};
  std::optional<JoinResult> joined;
  coordinator_.Join(p, [&](JoinResult r) { joined = std::move(r); });
  ASSERT_TRUE(joined.has_value());
  ASSERT_EQ(joined->error, 0);

  OffsetExpiry expiry(*store_, coordinator_, clock_);
  auto deleted = RunSync(expiry.Sweep());
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, 1);
  EXPECT_EQ(Offsets("idle"), (std::map<int32_t, int64_t>{{1, 9}}));
  EXPECT_EQ(Offsets("active"), (std::map<int32_t, int64_t>{{0, 7}}));

  clock_.now += 7 * kDay;
  EXPECT_EQ(*RunSync(expiry.Sweep()), 1);
  EXPECT_TRUE(Offsets("idle").empty());
  EXPECT_EQ(Offsets("active"), (std::map<int32_t, int64_t>{{0, 7}}));
}

}  // namespace
}  // namespace sluice::agent::groups
