// Client-id hints, the broker set a client is shown, and leader spreading.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "agent/cluster/client_hints.h"
#include "agent/cluster/routing.h"

namespace sluice::agent {
namespace {

metadata::AgentRecord MakeAgent(int32_t id, std::string roles, std::string zone = "",
                                int32_t kafka_port = 9092) {
  metadata::AgentRecord a;
  a.node_id = id;
  a.agent.host = "10.0.0." + std::to_string(id);
  a.agent.kafka_port = kafka_port;
  a.agent.http_port = 8080;
  a.agent.roles = std::move(roles);
  a.agent.availability_zone = std::move(zone);
  return a;
}

std::set<int32_t> Ids(const BrokerSet& set) {
  std::set<int32_t> out;
  for (const auto& a : set.brokers) out.insert(a.node_id);
  return out;
}

TEST(ClientHints, ParsesWarpStreamKeysAndIgnoresTheRest) {
  auto h = ParseClientHints("my-app,warpstream_proxy_target=proxy-produce,ws_az=eu-1,x=y");
  EXPECT_EQ(h.target, ProxyTarget::kProduce);
  EXPECT_EQ(h.zone, "eu-1");
  EXPECT_FALSE(h.single_agent);
  h = ParseClientHints(
      "warpstream_az=us-2, warpstream_proxy_target = proxy-consume ,"
      "warpstream_partition_assignment_strategy=single_agent");
  EXPECT_EQ(h.target, ProxyTarget::kConsume);
  EXPECT_EQ(h.zone, "us-2");
  EXPECT_TRUE(h.single_agent);
  h = ParseClientHints("rdkafka");
  EXPECT_EQ(h.target, ProxyTarget::kNone);
  EXPECT_TRUE(h.zone.empty());
  h = ParseClientHints("warpstream_proxy_target=proxy-bogus");
  EXPECT_EQ(h.target, ProxyTarget::kNone);
  EXPECT_EQ(h.target_value, "proxy-bogus");
  h = ParseClientHints(",,,=,==,warpstream_az=");
  EXPECT_TRUE(h.zone.empty());
}

class RoutingTest : public ::testing::Test {
 protected:
  AgentList live = {MakeAgent(1, "proxy-produce"), MakeAgent(2, "proxy-consume"),
                    MakeAgent(3, "jobs", "", 0), MakeAgent(4, "proxy,jobs")};
};

TEST_F(RoutingTest, TargetsSelectTheirAgentsAndPlainProxyCountsForBoth) {
  auto produce =
      SelectBrokers(live, live[0], ParseClientHints("a,warpstream_proxy_target=proxy-produce"));
  EXPECT_EQ(Ids(produce), (std::set<int32_t>{1, 4}));
  EXPECT_EQ(produce.fallback, "");
  auto consume =
      SelectBrokers(live, live[0], ParseClientHints("warpstream_proxy_target=proxy-consume"));
  EXPECT_EQ(Ids(consume), (std::set<int32_t>{2, 4}));
  auto none = SelectBrokers(live, live[0], ParseClientHints("plain"));
  EXPECT_EQ(Ids(none), (std::set<int32_t>{4}));
  EXPECT_EQ(none.fallback, "");
}

TEST_F(RoutingTest, WithoutPlainProxyAgentsEveryProxyAgentIsShown) {
  AgentList split = {live[0], live[1], live[2]};
  auto set = SelectBrokers(split, split[0], ParseClientHints("plain"));
  EXPECT_EQ(Ids(set), (std::set<int32_t>{1, 2}));
  EXPECT_EQ(set.fallback, "no_plain_proxy_agent");
}

TEST_F(RoutingTest, ATargetWithNoLiveAgentFallsBackAndIsNeverEmpty) {
  AgentList only_consume = {live[1], live[2]};
  auto set = SelectBrokers(only_consume, only_consume[0],
                           ParseClientHints("warpstream_proxy_target=proxy-produce"));
  EXPECT_EQ(Ids(set), (std::set<int32_t>{2}));
  EXPECT_EQ(set.fallback, "no_agent_for_target");
  // A view that has nothing yet still shows the answering agent.
  auto alone = SelectBrokers({}, live[0], ParseClientHints(""));
  EXPECT_EQ(Ids(alone), (std::set<int32_t>{1}));
}

TEST_F(RoutingTest, ZonePreferenceFallsBackToAllZones) {
  AgentList zoned = {MakeAgent(1, "proxy", "a"), MakeAgent(2, "proxy", "b"),
                     MakeAgent(3, "proxy", "b")};
  EXPECT_EQ(Ids(SelectBrokers(zoned, zoned[0], ParseClientHints("ws_az=b"))),
            (std::set<int32_t>{2, 3}));
  EXPECT_EQ(Ids(SelectBrokers(zoned, zoned[0], ParseClientHints("warpstream_az=c"))),
            (std::set<int32_t>{1, 2, 3}));
}

TEST_F(RoutingTest, LeadersAreSpreadEvenlyAndStably) {
  AgentList three = {MakeAgent(5, "proxy"), MakeAgent(9, "proxy"), MakeAgent(12, "proxy")};
  auto set = SelectBrokers(three, three[0], ParseClientHints(""));
  ClientHints none;
  for (std::string topic : {"orders", "payments", "t"}) {
    std::map<int32_t, int> led;
    for (int p = 0; p < 12; ++p) ++led[LeaderFor(set, topic, p, none, "c")];
    EXPECT_EQ(led.size(), 3u) << topic;
    for (auto [node, count] : led) EXPECT_EQ(count, 4) << topic << " node " << node;
  }
  // Every agent computes the same answer from the same view, whatever the order of the list.
  AgentList reversed = {three[2], three[1], three[0]};
  auto set2 = SelectBrokers(reversed, three[0], ParseClientHints(""));
  std::sort(set2.brokers.begin(), set2.brokers.end(),
            [](auto& a, auto& b) { return a.node_id < b.node_id; });
  for (int p = 0; p < 12; ++p) {
    EXPECT_EQ(LeaderFor(set, "orders", p, none, "c"), LeaderFor(set2, "orders", p, none, "c"));
  }
}

TEST_F(RoutingTest, SingleAgentStrategyGivesOneLeaderPerClient) {
  AgentList three = {MakeAgent(1, "proxy"), MakeAgent(2, "proxy"), MakeAgent(3, "proxy")};
  auto hints = ParseClientHints("app,warpstream_partition_assignment_strategy=single_agent");
  auto set = SelectBrokers(three, three[0], hints);
  std::set<int32_t> leaders;
  for (int p = 0; p < 20; ++p) leaders.insert(LeaderFor(set, "orders", p, hints, "app-1"));
  EXPECT_EQ(leaders.size(), 1u);
  // Different clients land on different agents (over many ids, all three get some).
  std::set<int32_t> chosen;
  for (int c = 0; c < 50; ++c)
    chosen.insert(LeaderFor(set, "orders", 0, hints, "app-" + std::to_string(c)));
  EXPECT_EQ(chosen.size(), 3u);
}

TEST_F(RoutingTest, PickForKeyIsStableAndMovesOnlyTheLeaversKeys) {
  AgentList three = {MakeAgent(1, "proxy"), MakeAgent(2, "proxy"), MakeAgent(3, "proxy")};
  BrokerSet all{three, ""};
  BrokerSet two{{three[0], three[1]}, ""};
  int moved = 0;
  for (int g = 0; g < 200; ++g) {
    std::string group = "group-" + std::to_string(g);
    int32_t before = PickForKey(all, group)->node_id;
    int32_t after = PickForKey(two, group)->node_id;
    if (before != 3) {
      EXPECT_EQ(before, after) << group;
    } else {
      ++moved;
    }
  }
  EXPECT_GT(moved, 30);  // agent 3 owned roughly a third
  EXPECT_EQ(PickForKey(BrokerSet{}, "g"), nullptr);
}

// Captures log lines.
class LinesSink : public obs::LogSink {
 public:
  void Write(std::string_view line) override { lines.emplace_back(line); }
  std::vector<std::string> lines;
};

TEST_F(RoutingTest, RouteClientParsesTheClientIdOnceAndWarnsOnceAboutAFallback) {
  StaticClusterView view(live[3], live);
  auto sink = std::make_shared<LinesSink>();
  obs::Logger logger(obs::LogLevel::kInfo, obs::LogFormat::kText, sink);
  RoutingLog log(logger);

  auto routed = RouteClient(view, &log, "a,warpstream_proxy_target=proxy-consume,ws_az=z9");
  EXPECT_EQ(routed.hints.target, ProxyTarget::kConsume);
  EXPECT_EQ(routed.hints.zone, "z9");
  EXPECT_EQ(Ids(routed.set), (std::set<int32_t>{2, 4}));
  EXPECT_TRUE(sink->lines.empty());

  // No live agent for the target: the other proxy agents, and one warning per client id.
  view.SetLive({live[0], live[2]});
  for (int i = 0; i < 3; ++i) {
    routed = RouteClient(view, &log, "b,warpstream_proxy_target=proxy-consume");
    EXPECT_EQ(routed.set.fallback, "no_agent_for_target");
    EXPECT_EQ(Ids(routed.set), (std::set<int32_t>{1}));
  }
  EXPECT_EQ(sink->lines.size(), 1u);
  EXPECT_EQ(RouteClient(view, nullptr, "c").set.brokers.size(), 1u);  // no log: no warning
  ASSERT_NE(FindAgent(routed.set.brokers, 1), nullptr);
  EXPECT_EQ(FindAgent(routed.set.brokers, 1)->agent.roles, "proxy-produce");
  EXPECT_EQ(FindAgent(routed.set.brokers, 4), nullptr);
}

}  // namespace
}  // namespace sluice::agent
