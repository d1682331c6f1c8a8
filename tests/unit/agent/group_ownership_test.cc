// Lease-based consumer-group ownership: one owner per group across agents sharing a store, lost
// leases unload the group, Stop hands groups over at once, a store without leases means "own
// everything". Two agents are simulated by two LeaseGroupOwnership objects on one fake store.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>

#include "agent/cluster/cluster_view.h"
#include "agent/groups/lease_group_ownership.h"
#include "common/blocking.h"
#include "metadata/metadata_store.h"

namespace sluice::agent::groups {
namespace {

constexpr int16_t kNotCoordinator = 16;
constexpr int64_t kLeaseMs = 9000;

class ManualClock : public Clock {
 public:
  int64_t NowMs() const override { return now_; }
  void Advance(int64_t ms) { now_ += ms; }

 private:
  int64_t now_ = 1'000'000;
};

// The store's lease rules (metadata_store.h), in memory, with failures on demand.
class FakeLeases : public GroupLeaseStore {
 public:
  Task<Result<int32_t>> Acquire(const std::string& group, int32_t node_id, int64_t now_ms,
                                int64_t lease_ms) override {
    ++acquires;
    if (failure) co_return *failure;
    auto& lease = leases_[group];
    if (lease.owner < 0 || lease.owner == node_id || lease.expires_ms <= now_ms ||
        !live.count(lease.owner)) {
      lease.owner = node_id;
      lease.expires_ms = now_ms + lease_ms;
    }
    co_return lease.owner;
  }
  Task<Result<std::vector<std::string>>> Renew(int32_t node_id, int64_t now_ms,
                                               int64_t lease_ms) override {
    if (failure) co_return *failure;
    std::vector<std::string> kept;
    for (auto& [group, lease] : leases_) {
      if (lease.owner == node_id && lease.expires_ms > now_ms) {
        lease.expires_ms = now_ms + lease_ms;
        kept.push_back(group);
      }
    }
    // A slow database: other coroutines run between the answer and its arrival.
    for (int i = 0; i < slow_renew_turns; ++i) {
      co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    }
    co_return kept;
  }
  Task<Status> Release(int32_t node_id, const std::string& group) override {
    if (failure) co_return *failure;
    for (auto& [name, lease] : leases_) {
      if (lease.owner == node_id && (group.empty() || group == name)) lease.owner = -1;
    }
    co_return Status::Ok();
  }
  std::optional<int32_t> OwnerOf(const std::string& group) const {
    auto it = leases_.find(group);
    if (it == leases_.end() || it->second.owner < 0) return std::nullopt;
    return it->second.owner;
  }

  std::set<int32_t> live = {1, 2};
  std::optional<Status> failure;
  int acquires = 0;
  int slow_renew_turns = 0;

 private:
  struct Lease {
    int32_t owner = -1;
    int64_t expires_ms = 0;
  };
  std::map<std::string, Lease> leases_;
};

metadata::AgentRecord Record(int32_t node_id) {
  metadata::AgentRecord r;
  r.node_id = node_id;
  r.agent.host = "10.0.0." + std::to_string(node_id);
  r.agent.kafka_port = 9092;
  r.agent.http_port = 8080;
  r.agent.roles = "proxy,jobs";
  return r;
}

// One simulated agent: its coordinator, its view of the cluster and its ownership.
struct SimAgent {
  SimAgent(int32_t node_id, GroupLeaseStore& leases, const Clock& clock)
      : coordinator(clock, GroupSettings{}),
        view(Record(node_id), AgentList{Record(1), Record(2)}),
        ownership(leases, view, coordinator, clock,
                  LeaseOwnershipOptions{std::chrono::milliseconds(kLeaseMs)}) {}

  GroupOwner Resolve(const std::string& group) { return RunSync(ownership.Resolve(group)); }
  void Renew() {
    RunSync([this]() -> Task<bool> {
      co_await ownership.RenewOnce();
      co_return true;
    }());
  }
  void Stop() {
    RunSync([this]() -> Task<bool> {
      co_await ownership.Stop();
      co_return true;
    }());
  }

  // A member that joins and waits in its JoinGroup long poll (the initial rebalance delay).
  std::optional<JoinResult>* JoinAndWait(const std::string& group) {
    JoinParams p;
    p.group_id = group;
    p.client_id = "c";
    p.session_timeout_ms = 10000;
    p.rebalance_timeout_ms = 10000;
    p.protocol_type = "consumer";
    p.protocols = {{"range", Bytes{1, 2, 3}}};
    coordinator.Join(std::move(p), [this](JoinResult r) { join_result = std::move(r); });
    return &join_result;
  }

  GroupCoordinator coordinator;
  StaticClusterView view;
  LeaseGroupOwnership ownership;
  std::optional<JoinResult> join_result;
};

class LeaseGroupOwnershipTest : public ::testing::Test {
 protected:
  ManualClock clock_;
  FakeLeases leases_;
  SimAgent a_{1, leases_, clock_};
  SimAgent b_{2, leases_, clock_};
};

TEST_F(LeaseGroupOwnershipTest, FirstAgentToAskOwnsTheGroupAndTheOtherForwardsToIt) {
  EXPECT_EQ(a_.Resolve("g").kind, GroupOwner::Kind::kLocal);
  GroupOwner seen_by_b = b_.Resolve("g");
  ASSERT_EQ(seen_by_b.kind, GroupOwner::Kind::kRemote);
  EXPECT_EQ(seen_by_b.agent.node_id, 1);
  EXPECT_EQ(seen_by_b.agent.agent.host, "10.0.0.1");
  EXPECT_EQ(seen_by_b.agent.agent.http_port, 8080);
  // Another group goes to whoever asks first.
  EXPECT_EQ(b_.Resolve("h").kind, GroupOwner::Kind::kLocal);
  EXPECT_EQ(a_.Resolve("h").kind, GroupOwner::Kind::kRemote);
  EXPECT_EQ(a_.ownership.OwnedGroups(), std::vector<std::string>{"g"});
  EXPECT_EQ(b_.ownership.OwnedGroups(), std::vector<std::string>{"h"});
}

TEST_F(LeaseGroupOwnershipTest, HeldAndCachedOwnersAreAnsweredWithoutTheStore) {
  ASSERT_EQ(a_.Resolve("g").kind, GroupOwner::Kind::kLocal);
  ASSERT_EQ(b_.Resolve("g").kind, GroupOwner::Kind::kRemote);
  const int before = leases_.acquires;
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(a_.Resolve("g").kind, GroupOwner::Kind::kLocal);
    EXPECT_EQ(b_.Resolve("g").kind, GroupOwner::Kind::kRemote);
  }
  EXPECT_EQ(leases_.acquires, before);
  // The cached owner is asked again after lease/3.
  clock_.Advance(kLeaseMs / 3);
  EXPECT_EQ(b_.Resolve("g").kind, GroupOwner::Kind::kRemote);
  EXPECT_EQ(leases_.acquires, before + 1);
}

TEST_F(LeaseGroupOwnershipTest, RenewalKeepsTheGroupPastItsFirstLease) {
  ASSERT_EQ(a_.Resolve("g").kind, GroupOwner::Kind::kLocal);
  for (int i = 0; i < 10; ++i) {
    clock_.Advance(kLeaseMs / 3);
    a_.Renew();
  }
  EXPECT_EQ(a_.Resolve("g").kind, GroupOwner::Kind::kLocal);
  EXPECT_EQ(b_.Resolve("g").kind, GroupOwner::Kind::kRemote);
  EXPECT_EQ(leases_.OwnerOf("g"), 1);
}

TEST_F(LeaseGroupOwnershipTest, ALostLeaseUnloadsTheGroupAndAnswersLongPollsNotCoordinator) {
  ASSERT_EQ(a_.Resolve("g").kind, GroupOwner::Kind::kLocal);
  auto* waiting = a_.JoinAndWait("g");
  ASSERT_TRUE(a_.coordinator.Has("g"));
  ASSERT_FALSE(waiting->has_value());
  // A stalls past its lease (e.g. a long GC pause); B takes the group over.
  clock_.Advance(kLeaseMs + 1);
  ASSERT_EQ(b_.Resolve("g").kind, GroupOwner::Kind::kLocal);
  a_.Renew();
  EXPECT_FALSE(a_.coordinator.Has("g"));
  ASSERT_TRUE(waiting->has_value());
  EXPECT_EQ((*waiting)->error, kNotCoordinator);
  EXPECT_TRUE(a_.ownership.OwnedGroups().empty());
  GroupOwner now = a_.Resolve("g");
  ASSERT_EQ(now.kind, GroupOwner::Kind::kRemote);
  EXPECT_EQ(now.agent.node_id, 2);
}

TEST_F(LeaseGroupOwnershipTest, AnUnreachableStoreMakesTheOwnerLetGoBeforeItsLeaseEnds) {
  ASSERT_EQ(a_.Resolve("g").kind, GroupOwner::Kind::kLocal);
  a_.JoinAndWait("g");
  leases_.failure = Status::Unavailable("database restarting");
  clock_.Advance(kLeaseMs / 3);
  a_.Renew();
  EXPECT_TRUE(a_.coordinator.Has("g")) << "one failed renewal is not enough to let go";
  clock_.Advance(kLeaseMs / 3);
  a_.Renew();
  clock_.Advance(kLeaseMs / 3 - 100);  // still inside the lease, past its trusted part
  a_.Renew();
  EXPECT_FALSE(a_.coordinator.Has("g"));
  EXPECT_EQ(a_.Resolve("g").kind, GroupOwner::Kind::kUnavailable);
  leases_.failure.reset();
  EXPECT_EQ(a_.Resolve("g").kind, GroupOwner::Kind::kLocal) << "its lease is still in the store";
}

TEST_F(LeaseGroupOwnershipTest, StopUnloadsAndReleasesSoAnotherAgentTakesOverAtOnce) {
  ASSERT_EQ(a_.Resolve("g").kind, GroupOwner::Kind::kLocal);
  auto* waiting = a_.JoinAndWait("g");
  ASSERT_EQ(b_.Resolve("g").kind, GroupOwner::Kind::kRemote);
  a_.Stop();
  ASSERT_TRUE(waiting->has_value());
  EXPECT_EQ((*waiting)->error, kNotCoordinator);
  EXPECT_EQ(leases_.OwnerOf("g"), std::nullopt);
  EXPECT_EQ(a_.Resolve("g").kind, GroupOwner::Kind::kUnavailable);
  b_.ownership.OwnerUnreachable("g");  // B's forward to A failed
  EXPECT_EQ(b_.Resolve("g").kind, GroupOwner::Kind::kLocal);
}

TEST_F(LeaseGroupOwnershipTest, ADeadOwnersGroupGoesToTheNextAgentThatAsks) {
  ASSERT_EQ(a_.Resolve("g").kind, GroupOwner::Kind::kLocal);
  ASSERT_EQ(b_.Resolve("g").kind, GroupOwner::Kind::kRemote);
  // A is SIGKILLed: its membership lapses, the others drop it from their view.
  leases_.live.erase(1);
  b_.view.SetLive(AgentList{Record(2)});
  EXPECT_EQ(b_.Resolve("g").kind, GroupOwner::Kind::kLocal);
  EXPECT_EQ(leases_.OwnerOf("g"), 2);
}

TEST_F(LeaseGroupOwnershipTest, AnOwnerMissingFromTheViewIsUnavailableNotLocal) {
  ASSERT_EQ(a_.Resolve("g").kind, GroupOwner::Kind::kLocal);
  b_.view.SetLive(AgentList{Record(2)});  // B's view lags the store
  EXPECT_EQ(b_.Resolve("g").kind, GroupOwner::Kind::kUnavailable);
  EXPECT_EQ(leases_.OwnerOf("g"), 1);
}

TEST_F(LeaseGroupOwnershipTest, AGroupAcquiredWhileARenewalIsInFlightIsKept) {
  ASSERT_EQ(a_.Resolve("g").kind, GroupOwner::Kind::kLocal);
  leases_.slow_renew_turns = 5;
  std::optional<GroupOwner> h;
  asio::io_context io;
  asio::co_spawn(io, a_.ownership.RenewOnce(), asio::detached);  // answers {"g"} only
  // A named lambda: the coroutine keeps a reference to the closure, which must outlive it.
  auto resolve_h = [&]() -> Task<void> { h = co_await a_.ownership.Resolve("h"); };
  asio::co_spawn(io, resolve_h(), asio::detached);
  io.run();
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->kind, GroupOwner::Kind::kLocal);
  EXPECT_EQ(a_.ownership.OwnedGroups(), (std::vector<std::string>{"g", "h"}));
  leases_.slow_renew_turns = 0;
  a_.Renew();  // the next round includes it
  EXPECT_EQ(a_.ownership.OwnedGroups(), (std::vector<std::string>{"g", "h"}));
}

TEST(LeaseGroupOwnershipWithoutLeases, EveryGroupIsLocalWhenTheStoreHasNoLeases) {
  ManualClock clock;
  FakeLeases leases;
  leases.failure = Status::Unimplemented("no group leases");
  SimAgent a(1, leases, clock);
  EXPECT_EQ(a.Resolve("g").kind, GroupOwner::Kind::kLocal);
  EXPECT_EQ(a.Resolve("h").kind, GroupOwner::Kind::kLocal);
  EXPECT_FALSE(a.ownership.leases_supported());
  EXPECT_EQ(leases.acquires, 1) << "the store is not asked again";
  a.JoinAndWait("g");
  a.Renew();
  EXPECT_TRUE(a.coordinator.Has("g"));
  EXPECT_EQ(a.ownership.OwnedGroups(), std::vector<std::string>{"g"});
}

// The same rules through the real SQLite store, when it implements leases.
TEST(LeaseGroupOwnershipOnSqlite, OneOwnerAndHandOverAtStop) {
  asio::thread_pool pool(1);
  auto opened = metadata::OpenMetadataStore("sqlite::memory:", pool.get_executor());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto store = std::move(opened).value();
  ASSERT_TRUE(RunSync(store->Migrate()).ok());
  SystemClock clock;
  metadata::AgentRegistration reg;
  reg.host = "127.0.0.1";
  reg.kafka_port = 9092;
  reg.http_port = 8080;
  reg.roles = "proxy,jobs";
  auto first = RunSync(store->RegisterAgent(reg, clock.NowMs(), 30000));
  if (!first.ok() && first.status().code() == StatusCode::kUnimplemented) {
    GTEST_SKIP() << "this SQLite store has no membership yet";
  }
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  reg.kafka_port = 9093;
  auto second = RunSync(store->RegisterAgent(reg, clock.NowMs(), 30000));
  ASSERT_TRUE(second.ok());
  MetadataGroupLeaseStore leases(*store);
  AgentList live{*first, *second};
  GroupCoordinator ca(clock, GroupSettings{}), cb(clock, GroupSettings{});
  StaticClusterView va(*first, live), vb(*second, live);
  LeaseGroupOwnership a(leases, va, ca, clock, {std::chrono::milliseconds(30000)});
  LeaseGroupOwnership b(leases, vb, cb, clock, {std::chrono::milliseconds(30000)});
  GroupOwner owner = RunSync(a.Resolve("g"));
  if (owner.kind == GroupOwner::Kind::kLocal && !a.leases_supported()) {
    GTEST_SKIP() << "this SQLite store has no group leases yet";
  }
  EXPECT_EQ(owner.kind, GroupOwner::Kind::kLocal);
  owner = RunSync(b.Resolve("g"));
  ASSERT_EQ(owner.kind, GroupOwner::Kind::kRemote);
  EXPECT_EQ(owner.agent.node_id, first->node_id);
  RunSync([&]() -> Task<bool> {
    co_await a.RenewOnce();
    co_return true;
  }());
  EXPECT_EQ(a.OwnedGroups(), std::vector<std::string>{"g"});
  RunSync([&]() -> Task<bool> {
    co_await a.Stop();
    co_return true;
  }());
  b.OwnerUnreachable("g");
  EXPECT_EQ(RunSync(b.Resolve("g")).kind, GroupOwner::Kind::kLocal);
}

}  // namespace
}  // namespace sluice::agent::groups
