// The classic group protocol state machine, driven with a manual clock.
#include "agent/groups/group_coordinator.h"

#include <gtest/gtest.h>

#include <optional>

#include "agent/groups/consumer_protocol.h"

namespace sluice::agent::groups {
namespace {

constexpr int16_t kNone = 0;
constexpr int16_t kIllegalGeneration = 22;
constexpr int16_t kInconsistentGroupProtocol = 23;
constexpr int16_t kInvalidGroupId = 24;
constexpr int16_t kUnknownMemberId = 25;
constexpr int16_t kInvalidSessionTimeout = 26;
constexpr int16_t kRebalanceInProgress = 27;
constexpr int16_t kMemberIdRequired = 79;
constexpr int16_t kFencedInstanceId = 82;

class ManualClock : public Clock {
 public:
  int64_t NowMs() const override { return now_; }
  void Advance(int64_t ms) { now_ += ms; }

 private:
  int64_t now_ = 1'000'000;
};

Bytes B(std::string_view s) { return Bytes(s.begin(), s.end()); }

class GroupCoordinatorTest : public ::testing::Test {
 protected:
  GroupCoordinatorTest() : coordinator_(clock_, Settings()) {}

  static GroupSettings Settings() {
    GroupSettings s;
    s.initial_rebalance_delay_ms = 100;
    return s;
  }

  JoinParams Params(std::string member_id = "", std::string metadata = "meta") {
    JoinParams p;
    p.group_id = "g";
    p.member_id = std::move(member_id);
    p.client_id = "client";
    p.client_host = "/127.0.0.1";
    p.session_timeout_ms = 10000;
    p.rebalance_timeout_ms = 30000;
    p.protocol_type = "consumer";
    p.protocols = {{"range", B(metadata)}};
    return p;
  }

  // Starts a join; the result appears in the returned slot when the coordinator answers.
  std::shared_ptr<std::optional<JoinResult>> Join(JoinParams p) {
    auto slot = std::make_shared<std::optional<JoinResult>>();
    coordinator_.Join(std::move(p), [slot](JoinResult r) { *slot = std::move(r); });
    return slot;
  }

  std::shared_ptr<std::optional<SyncResult>> Sync(const std::string& member, int32_t generation,
                                                  std::vector<std::pair<std::string, Bytes>> a = {},
                                                  std::optional<std::string> instance = {}) {
    SyncParams p;
    p.group_id = "g";
    p.member_id = member;
    p.generation = generation;
    p.group_instance_id = std::move(instance);
    p.assignments = std::move(a);
    auto slot = std::make_shared<std::optional<SyncResult>>();
    coordinator_.Sync(std::move(p), [slot](SyncResult r) { *slot = std::move(r); });
    return slot;
  }

  // KIP-394 join of a new dynamic member through to the end of the initial delay.
  std::string JoinAlone() {
    JoinParams p = Params();
    p.require_known_member_id = true;
    auto first = Join(p);
    EXPECT_TRUE(first->has_value());
    EXPECT_EQ((*first)->error, kMemberIdRequired);
    p.member_id = (*first)->member_id;
    auto second = Join(p);
    EXPECT_FALSE(second->has_value()) << "the initial delay holds the first join";
    clock_.Advance(100);
    coordinator_.Tick();
    EXPECT_TRUE(second->has_value());
    return p.member_id;
  }

  ManualClock clock_;
  GroupCoordinator coordinator_;
};

TEST_F(GroupCoordinatorTest, SingleMemberJoinSyncHeartbeat) {
  JoinParams p = Params();
  p.require_known_member_id = true;
  auto first = Join(p);
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->error, kMemberIdRequired);
  EXPECT_EQ((*first)->member_id.rfind("client-", 0), 0u);
  EXPECT_EQ(coordinator_.Describe("g")->state, GroupState::kEmpty);

  p.member_id = (*first)->member_id;
  auto join = Join(p);
  EXPECT_FALSE(join->has_value());
  EXPECT_EQ(coordinator_.Describe("g")->state, GroupState::kPreparingRebalance);
  clock_.Advance(99);
  coordinator_.Tick();
  EXPECT_FALSE(join->has_value());
  clock_.Advance(1);
  coordinator_.Tick();
  ASSERT_TRUE(join->has_value());
  const JoinResult& r = **join;
  EXPECT_EQ(r.error, kNone);
  EXPECT_EQ(r.generation, 1);
  EXPECT_EQ(r.leader, p.member_id);
  EXPECT_EQ(r.protocol_name, "range");
  ASSERT_EQ(r.members.size(), 1u);
  EXPECT_EQ(r.members[0].metadata, B("meta"));
  EXPECT_EQ(coordinator_.Describe("g")->state, GroupState::kCompletingRebalance);

  Bytes assignment = {0, 1, 2, 255, 0, 7};
  auto sync = Sync(p.member_id, 1, {{p.member_id, assignment}});
  ASSERT_TRUE(sync->has_value());
  EXPECT_EQ((*sync)->error, kNone);
  EXPECT_EQ((*sync)->assignment, assignment);
  EXPECT_EQ(coordinator_.Heartbeat("g", 1, p.member_id, std::nullopt), kNone);

  auto d = coordinator_.Describe("g");
  EXPECT_EQ(d->state, GroupState::kStable);
  EXPECT_EQ(d->protocol_data, "range");
  ASSERT_EQ(d->members.size(), 1u);
  EXPECT_EQ(d->members[0].assignment, assignment);
  EXPECT_EQ(d->members[0].metadata, B("meta"));
  EXPECT_EQ(d->members[0].client_host, "/127.0.0.1");
}

TEST_F(GroupCoordinatorTest, SecondMemberTriggersRebalanceAndFollowerSyncWaitsForLeader) {
  const std::string a = JoinAlone();
  ASSERT_EQ((*Sync(a, 1, {{a, B("all")}}))->error, kNone);

  auto b_join = Join(Params("", "b-meta"));  // v0-3 style: no member id round trip
  EXPECT_FALSE(b_join->has_value());
  EXPECT_EQ(coordinator_.Heartbeat("g", 1, a, std::nullopt), kRebalanceInProgress);
  auto a_join = Join(Params(a));
  ASSERT_TRUE(a_join->has_value());
  ASSERT_TRUE(b_join->has_value());
  EXPECT_EQ((*a_join)->generation, 2);
  EXPECT_EQ((*b_join)->generation, 2);
  EXPECT_EQ((*a_join)->leader, a);
  EXPECT_EQ((*a_join)->members.size(), 2u);
  EXPECT_TRUE((*b_join)->members.empty()) << "only the leader gets the members";
  const std::string b = (*b_join)->member_id;

  auto b_sync = Sync(b, 2);
  EXPECT_FALSE(b_sync->has_value()) << "a follower waits for the leader's assignment";
  auto a_sync = Sync(a, 2, {{a, B("p0")}, {b, B("p1")}});
  ASSERT_TRUE(b_sync->has_value());
  EXPECT_EQ((*a_sync)->assignment, B("p0"));
  EXPECT_EQ((*b_sync)->assignment, B("p1"));
}

TEST_F(GroupCoordinatorTest, StaleGenerationAndUnknownMember) {
  const std::string a = JoinAlone();
  EXPECT_EQ(coordinator_.Heartbeat("g", 7, a, std::nullopt), kIllegalGeneration);
  EXPECT_EQ(coordinator_.Heartbeat("g", 1, "nobody", std::nullopt), kUnknownMemberId);
  EXPECT_EQ(coordinator_.Heartbeat("other", 1, a, std::nullopt), kUnknownMemberId);
  EXPECT_EQ((*Sync(a, 0))->error, kIllegalGeneration);
  EXPECT_EQ((*Sync("nobody", 1))->error, kUnknownMemberId);
  EXPECT_EQ((*Join(Params("nobody")))->error, kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, SessionExpiryRemovesMemberAndRebalances) {
  const std::string a = JoinAlone();
  ASSERT_EQ((*Sync(a, 1, {{a, B("x")}}))->error, kNone);
  auto b_join = Join(Params());
  auto a_join = Join(Params(a));
  ASSERT_TRUE(b_join->has_value());
  const std::string b = (*b_join)->member_id;
  ASSERT_EQ((*Sync(a, 2, {{a, B("1")}, {b, B("2")}}))->error, kNone);
  ASSERT_EQ((*Sync(b, 2))->error, kNone);

  // a keeps heartbeating, b goes silent for its 10 s session.
  for (int i = 0; i < 4; ++i) {
    clock_.Advance(3000);
    EXPECT_EQ(coordinator_.Heartbeat("g", 2, a, std::nullopt), kNone);
    coordinator_.Tick();
  }
  EXPECT_EQ(coordinator_.Heartbeat("g", 2, b, std::nullopt), kUnknownMemberId);
  EXPECT_EQ(coordinator_.Heartbeat("g", 2, a, std::nullopt), kRebalanceInProgress);
  auto rejoin = Join(Params(a));
  ASSERT_TRUE(rejoin->has_value());
  EXPECT_EQ((*rejoin)->generation, 3);
  EXPECT_EQ((*rejoin)->members.size(), 1u);
}

TEST_F(GroupCoordinatorTest, RebalanceTimeoutDropsMembersThatDoNotRejoin) {
  const std::string a = JoinAlone();
  ASSERT_EQ((*Sync(a, 1, {{a, B("x")}}))->error, kNone);
  JoinParams pb = Params();
  pb.rebalance_timeout_ms = 20000;
  auto b_join = Join(pb);
  EXPECT_FALSE(b_join->has_value());
  // a heartbeats (learning of the rebalance) but never rejoins.
  for (int i = 0; i < 9; ++i) {
    clock_.Advance(3000);
    coordinator_.Heartbeat("g", 1, a, std::nullopt);
    coordinator_.Tick();
  }
  EXPECT_FALSE(b_join->has_value()) << "27 s: still inside the 30 s rebalance timeout";
  for (int i = 0; i < 2; ++i) {
    clock_.Advance(2000);
    coordinator_.Heartbeat("g", 1, a, std::nullopt);
    coordinator_.Tick();
  }
  ASSERT_TRUE(b_join->has_value()) << "the join completes at the rebalance timeout (30 s)";
  EXPECT_EQ((*b_join)->error, kNone);
  EXPECT_EQ((*b_join)->generation, 2);
  EXPECT_EQ((*b_join)->leader, (*b_join)->member_id) << "b leads after a was dropped";
  EXPECT_EQ(coordinator_.Describe("g")->members.size(), 1u);
}

TEST_F(GroupCoordinatorTest, StaticMemberRestartKeepsAssignmentWithoutRebalance) {
  JoinParams p = Params();
  p.group_instance_id = "instance-1";
  p.require_known_member_id = true;  // static members skip the member-id round trip
  auto join = Join(p);
  EXPECT_FALSE(join->has_value());
  clock_.Advance(100);
  coordinator_.Tick();
  ASSERT_TRUE(join->has_value());
  const std::string old_id = (*join)->member_id;
  ASSERT_EQ((*Sync(old_id, 1, {{old_id, B("assigned")}}, "instance-1"))->error, kNone);

  auto again = Join(p);  // restarted process: no member id, same instance id
  ASSERT_TRUE(again->has_value());
  EXPECT_EQ((*again)->error, kNone);
  EXPECT_EQ((*again)->generation, 1) << "no new generation";
  EXPECT_NE((*again)->member_id, old_id);
  EXPECT_EQ(coordinator_.Describe("g")->state, GroupState::kStable);
  auto sync = Sync((*again)->member_id, 1, {}, "instance-1");
  EXPECT_EQ((*sync)->assignment, B("assigned"));
  EXPECT_EQ(coordinator_.Heartbeat("g", 1, old_id, "instance-1"), kFencedInstanceId);
  EXPECT_EQ((*Join([&] {
              JoinParams q = p;
              q.member_id = old_id;
              return q;
            }()))
                ->error,
            kFencedInstanceId);
}

TEST_F(GroupCoordinatorTest, ProtocolMismatchIsRejected) {
  const std::string a = JoinAlone();
  JoinParams other_type = Params();
  other_type.protocol_type = "connect";
  EXPECT_EQ((*Join(other_type))->error, kInconsistentGroupProtocol);
  JoinParams other_protocol = Params();
  other_protocol.protocols = {{"roundrobin", B("")}};
  EXPECT_EQ((*Join(other_protocol))->error, kInconsistentGroupProtocol);
  JoinParams none = Params();
  none.group_id = "fresh";
  none.protocols.clear();
  EXPECT_EQ((*Join(none))->error, kInconsistentGroupProtocol);
  EXPECT_EQ(coordinator_.Describe("g")->members.size(), 1u);
}

TEST_F(GroupCoordinatorTest, ProtocolChosenByVotesAmongCommonProtocols) {
  JoinParams pa = Params();
  pa.protocols = {{"cooperative-sticky", B("c")}, {"range", B("r")}};
  auto a = Join(pa);
  JoinParams pb = Params();
  pb.protocols = {{"range", B("r2")}};
  auto b = Join(pb);
  clock_.Advance(100);
  coordinator_.Tick();
  ASSERT_TRUE(a->has_value() && b->has_value());
  EXPECT_EQ((*a)->protocol_name, "range");
}

TEST_F(GroupCoordinatorTest, InvalidGroupIdAndSessionTimeout) {
  JoinParams p = Params();
  p.group_id = "";
  EXPECT_EQ((*Join(p))->error, kInvalidGroupId);
  p = Params();
  p.session_timeout_ms = 10;
  EXPECT_EQ((*Join(p))->error, kInvalidSessionTimeout);
  EXPECT_EQ(coordinator_.Heartbeat("", 1, "m", std::nullopt), kInvalidGroupId);
}

TEST_F(GroupCoordinatorTest, JoinV0WithoutRebalanceTimeout) {
  JoinParams p = Params();
  p.rebalance_timeout_ms = -1;
  auto join = Join(p);
  clock_.Advance(100);
  coordinator_.Tick();
  ASSERT_TRUE(join->has_value());
  EXPECT_EQ((*join)->error, kNone);
  EXPECT_EQ((*join)->generation, 1);
}

TEST_F(GroupCoordinatorTest, LeaveBatchedByInstanceIdEmptiesGroup) {
  JoinParams p1 = Params();
  p1.group_instance_id = "i1";
  JoinParams p2 = Params();
  p2.group_instance_id = "i2";
  auto j1 = Join(p1);
  auto j2 = Join(p2);
  clock_.Advance(100);
  coordinator_.Tick();
  ASSERT_TRUE(j1->has_value() && j2->has_value());
  int16_t top = -1;
  auto errors = coordinator_.Leave(
      "g", {{"", std::string("i1")}, {(*j2)->member_id, std::string("i2")}, {"ghost", {}}}, &top);
  EXPECT_EQ(top, kNone);
  EXPECT_EQ(errors, (std::vector<int16_t>{kNone, kNone, kUnknownMemberId}));
  EXPECT_EQ(coordinator_.Describe("g")->state, GroupState::kEmpty);
  EXPECT_EQ(coordinator_.Describe("g")->generation, 2);
  EXPECT_EQ(coordinator_.Delete("g"), GroupCoordinator::DeleteOutcome::kDeleted);
}

TEST_F(GroupCoordinatorTest, LeaderLeavingDuringSyncSendsFollowersBack) {
  auto ja = Join(Params());
  auto jb = Join(Params());
  clock_.Advance(100);
  coordinator_.Tick();
  ASSERT_TRUE(ja->has_value() && jb->has_value());
  const std::string leader = (*ja)->leader;
  const std::string follower = (*ja)->member_id == leader ? (*jb)->member_id : (*ja)->member_id;
  auto sync = Sync(follower, 1);
  EXPECT_FALSE(sync->has_value());
  int16_t top = 0;
  coordinator_.Leave("g", {{leader, {}}}, &top);
  ASSERT_TRUE(sync->has_value());
  EXPECT_EQ((*sync)->error, kRebalanceInProgress);
  EXPECT_EQ(coordinator_.Delete("g"), GroupCoordinator::DeleteOutcome::kNotEmpty);
}

TEST_F(GroupCoordinatorTest, OffsetCommitRules) {
  EXPECT_EQ(coordinator_.ValidateOffsetCommit("simple", -1, "", std::nullopt), kNone);
  EXPECT_EQ(coordinator_.ValidateOffsetCommit("simple", 3, "m", std::nullopt), kIllegalGeneration);
  auto ja = Join(Params());
  auto jb = Join(Params());
  clock_.Advance(100);
  coordinator_.Tick();
  const std::string a = (*ja)->member_id;
  EXPECT_EQ(coordinator_.ValidateOffsetCommit("g", 1, a, std::nullopt), kRebalanceInProgress);
  Sync((*ja)->leader, 1, {});
  EXPECT_EQ(coordinator_.ValidateOffsetCommit("g", 1, a, std::nullopt), kNone);
  EXPECT_EQ(coordinator_.ValidateOffsetCommit("g", 0, a, std::nullopt), kIllegalGeneration);
  EXPECT_EQ(coordinator_.ValidateOffsetCommit("g", -1, "", std::nullopt), kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, PendingMemberThatNeverRejoinsExpires) {
  JoinParams p = Params();
  p.require_known_member_id = true;
  auto first = Join(p);
  ASSERT_EQ((*first)->error, kMemberIdRequired);
  clock_.Advance(10000);
  coordinator_.Tick();
  EXPECT_EQ(coordinator_.group_count(), 0u) << "nothing left of a group nobody joined";
  p.member_id = (*first)->member_id;
  EXPECT_EQ((*Join(p))->error, kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, LeaderThatNeverSyncsIsDroppedAtTheRebalanceTimeout) {
  JoinParams p = Params();
  p.session_timeout_ms = 60000;  // longer than the 30 s rebalance timeout
  auto ja = Join(p);
  auto jb = Join(p);
  clock_.Advance(100);
  coordinator_.Tick();
  ASSERT_TRUE(ja->has_value() && jb->has_value());
  const std::string leader = (*ja)->leader;
  const std::string follower = (*ja)->member_id == leader ? (*jb)->member_id : (*ja)->member_id;
  // Heartbeats are fine between JoinGroup and SyncGroup.
  EXPECT_EQ(coordinator_.Heartbeat("g", 1, leader, std::nullopt), kNone);
  auto sync = Sync(follower, 1);
  clock_.Advance(29999);
  coordinator_.Tick();
  EXPECT_FALSE(sync->has_value());
  clock_.Advance(1);
  coordinator_.Tick();
  ASSERT_TRUE(sync->has_value());
  EXPECT_EQ((*sync)->error, kRebalanceInProgress);
  EXPECT_EQ(coordinator_.Heartbeat("g", 1, leader, std::nullopt), kUnknownMemberId);
  p.member_id = follower;
  auto rejoin = Join(p);
  ASSERT_TRUE(rejoin->has_value());
  EXPECT_EQ((*rejoin)->generation, 2);
  EXPECT_EQ((*rejoin)->leader, follower);
}

TEST_F(GroupCoordinatorTest, SyncChecksProtocolNameAndDuplicateJoinEndsTheFirst) {
  const std::string a = JoinAlone();
  SyncParams wrong;
  wrong.group_id = "g";
  wrong.member_id = a;
  wrong.generation = 1;
  wrong.protocol_name = "roundrobin";
  std::optional<SyncResult> result;
  coordinator_.Sync(wrong, [&](SyncResult r) { result = std::move(r); });
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->error, kInconsistentGroupProtocol);

  auto b = Join(Params());  // a rebalance starts; a's first rejoin is lost, it retries
  auto first = Join(Params(a));
  ASSERT_TRUE(first->has_value()) << "everyone rejoined: the generation completes";
  auto again = Join(Params(a));
  ASSERT_TRUE(again->has_value());
  EXPECT_EQ((*again)->generation, 2) << "a retry during CompletingRebalance gets the same answer";
}

TEST_F(GroupCoordinatorTest, StaticMemberWithNewProtocolsRebalances) {
  JoinParams p = Params();
  p.group_instance_id = "i";
  auto j = Join(p);
  clock_.Advance(100);
  coordinator_.Tick();
  ASSERT_TRUE(j->has_value());
  Sync((*j)->member_id, 1, {{(*j)->member_id, B("a")}}, "i");
  p.protocols = {{"cooperative-sticky", B("new")}};
  auto again = Join(p);
  ASSERT_TRUE(again->has_value()) << "the only member: the rebalance completes at once";
  EXPECT_EQ((*again)->generation, 2);
  EXPECT_EQ((*again)->protocol_name, "cooperative-sticky");
}

TEST(ConsumerProtocolTest, ParsesSubscriptionTopics) {
  // version 1, topics ["ab", "c"], then user data the parser ignores.
  Bytes metadata = {0, 1, 0, 0, 0, 2, 0, 2, 'a', 'b', 0, 1, 'c', 0xff, 0xff, 0xff, 0xff};
  auto topics = ParseSubscriptionTopics(metadata);
  ASSERT_TRUE(topics.ok());
  EXPECT_EQ(*topics, (std::vector<std::string>{"ab", "c"}));
  Bytes truncated = {0, 1, 0, 0, 0, 2, 0, 2, 'a'};
  EXPECT_FALSE(ParseSubscriptionTopics(truncated).ok());
  Bytes huge_count = {0, 1, 0x7f, 0xff, 0xff, 0xff};
  EXPECT_FALSE(ParseSubscriptionTopics(huge_count).ok());
}

}  // namespace
}  // namespace sluice::agent::groups
