// Random operation sequences against the group state machine: no long poll is ever answered
// twice, and once clients go quiet every waiting JoinGroup/SyncGroup is answered and every group
// empties out. Run under ASan/UBSan (SLUICE_SANITIZE) this also checks memory safety.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <random>
#include <tuple>

#include "agent/groups/group_coordinator.h"

namespace sluice::agent::groups {
namespace {

class ManualClock : public Clock {
 public:
  int64_t NowMs() const override { return now; }
  int64_t now = 5'000'000;
};

TEST(GroupCoordinatorRandomTest, EveryLongPollIsAnsweredExactlyOnce) {
  int joined = 0, synced = 0;  // successful answers, to show the sequences reach Stable
  for (uint32_t seed = 1; seed <= 12; ++seed) {
    std::mt19937 rng(seed);
    ManualClock clock;
    GroupCoordinator coordinator(clock, GroupSettings{50, 6000, 1800000});
    std::vector<std::shared_ptr<int>> answers;  // one counter per JoinGroup/SyncGroup
    std::vector<std::tuple<std::string, std::string, int32_t>> members;  // group, id, generation
    auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
    auto group_name = [&] { return "g" + std::to_string(pick(3)); };
    auto instance = [&]() -> std::optional<std::string> {
      size_t i = pick(4);
      if (i >= 2) return std::nullopt;
      return "i" + std::to_string(i);
    };
    int32_t last_generation = -1;
    auto known = [&](std::string& group, std::string& member) {
      if (members.empty() || pick(8) == 0) {
        group = group_name();
        member = "nobody";
      } else {
        std::tie(group, member, last_generation) = members[pick(members.size())];
      }
    };

    for (int step = 0; step < 3000; ++step) {
      std::string group, member;
      switch (pick(8)) {
        case 0:
        case 1: {  // JoinGroup, new or known member
          JoinParams p;
          if (pick(2)) {
            p.group_id = group_name();
          } else {
            known(p.group_id, p.member_id);
          }
          p.group_instance_id = instance();
          p.client_id = "c";
          p.session_timeout_ms = 6000 + static_cast<int32_t>(pick(6000));
          p.rebalance_timeout_ms = pick(5) == 0 ? -1 : 1000 + static_cast<int32_t>(pick(20000));
          p.protocol_type = pick(10) == 0 ? "other" : "consumer";
          if (pick(2)) p.protocols.push_back({"range", Bytes{1}});
          if (pick(2)) p.protocols.push_back({"sticky", Bytes{2, 3}});
          p.require_known_member_id = pick(2);
          auto count = std::make_shared<int>(0);
          answers.push_back(count);
          const std::string g = p.group_id;
          coordinator.Join(std::move(p), [count, g, &members, &joined](JoinResult r) {
            ++*count;
            joined += r.error == 0;
            if (!r.member_id.empty()) members.emplace_back(g, r.member_id, r.generation);
          });
          break;
        }
        case 2: {  // SyncGroup, sometimes with assignments for everyone seen
          SyncParams p;
          known(p.group_id, p.member_id);
          p.generation = pick(4) ? last_generation : static_cast<int32_t>(pick(5));
          p.group_instance_id = instance();
          for (const auto& [g, m, generation] : members) {
            if (g == p.group_id && pick(2)) p.assignments.push_back({m, Bytes{9}});
          }
          auto count = std::make_shared<int>(0);
          answers.push_back(count);
          coordinator.Sync(std::move(p), [count, &synced](SyncResult r) {
            ++*count;
            synced += r.error == 0;
          });
          break;
        }
        case 3:
          known(group, member);
          coordinator.Heartbeat(group, static_cast<int32_t>(pick(5)), member, instance());
          break;
        case 4: {
          known(group, member);
          int16_t top = 0;
          coordinator.Leave(group, {{pick(4) ? member : "", instance()}}, &top);
          break;
        }
        case 5:
          known(group, member);
          coordinator.ValidateOffsetCommit(group, static_cast<int32_t>(pick(5)) - 1, member,
                                           instance());
          coordinator.Describe(group);
          coordinator.SubscribedTopics(group);
          coordinator.List();
          break;
        default:
          clock.now += static_cast<int64_t>(pick(2500));
          coordinator.Tick();
          break;
      }
      for (const auto& count : answers) ASSERT_LE(*count, 1) << "seed " << seed;
    }
    // Clients go quiet: deadlines and session timeouts end everything.
    for (int i = 0; i < 200; ++i) {
      clock.now += 1000;
      coordinator.Tick();
    }
    for (const auto& count : answers) ASSERT_EQ(*count, 1) << "seed " << seed;
    EXPECT_EQ(coordinator.group_count(), 0u) << "seed " << seed;
  }
  EXPECT_GT(joined, 100);
  EXPECT_GT(synced, 10);
  std::printf("successful joins %d, syncs %d\n", joined, synced);
}

}  // namespace
}  // namespace sluice::agent::groups
