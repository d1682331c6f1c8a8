// DescribeConfigs of a BROKER resource: which agent a resource name means, and the configs that
// show an agent's membership record (roles, zone, ...).
#include "agent/cluster/broker_resource.h"

#include <gtest/gtest.h>

#include <map>

namespace sluice::agent {
namespace {

metadata::AgentRecord Agent(int32_t node_id, std::string roles, std::string zone) {
  metadata::AgentRecord record;
  record.node_id = node_id;
  record.agent = {"01HXAGENT" + std::to_string(node_id),
                  "10.0.0." + std::to_string(node_id),
                  9092,
                  8080,
                  std::move(roles),
                  std::move(zone),
                  "g1"};
  record.registered_ms = 1700000000000;
  return record;
}

TEST(BrokerResourceTest, EmptyNameIsTheAnsweringAgentAndNumbersAreNodeIds) {
  auto self = ParseBrokerResourceName("");
  ASSERT_TRUE(self.ok());
  EXPECT_FALSE(self->has_value());
  auto seven = ParseBrokerResourceName("7");
  ASSERT_TRUE(seven.ok());
  EXPECT_EQ(**seven, 7);
  for (const char* bad : {"x", "7x", " 7", "1.5", "99999999999"}) {
    auto parsed = ParseBrokerResourceName(bad);
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(BrokerResourceTest, FindsOnlyListedAgents) {
  AgentList live = {Agent(1, "proxy", "a"), Agent(3, "jobs", "b")};
  ASSERT_NE(FindAgent(live, 3), nullptr);
  EXPECT_EQ(FindAgent(live, 3)->agent.roles, "jobs");
  EXPECT_EQ(FindAgent(live, 2), nullptr);
}

TEST(BrokerResourceTest, MembershipRecordBecomesConfigs) {
  std::map<std::string, std::optional<std::string>> configs;
  for (auto& [name, value] : AgentMembershipConfigs(Agent(4, "proxy-consume,jobs", "eu-1a"))) {
    EXPECT_TRUE(configs.emplace(name, value).second) << "duplicate " << name;
  }
  EXPECT_EQ(configs.at("broker.id"), "4");
  EXPECT_EQ(configs.at("broker.rack"), "eu-1a");
  EXPECT_EQ(configs.at(kAgentRolesConfig), "proxy-consume,jobs");
  EXPECT_EQ(configs.at(kAgentZoneConfig), "eu-1a");
  EXPECT_EQ(configs.at("sluice.agent.group"), "g1");
  EXPECT_EQ(configs.at("sluice.agent.host"), "10.0.0.4");
  EXPECT_EQ(configs.at("sluice.agent.kafka.port"), "9092");
  EXPECT_EQ(configs.at("sluice.agent.http.port"), "8080");
  EXPECT_EQ(configs.at("sluice.agent.instance.id"), "01HXAGENT4");
  EXPECT_EQ(configs.at("sluice.agent.registered.ms"), "1700000000000");

  // Without a zone the rack is unset (null), as on a Kafka broker without broker.rack.
  for (auto& [name, value] : AgentMembershipConfigs(Agent(5, "jobs", ""))) {
    if (name == "broker.rack") {
      EXPECT_FALSE(value.has_value());
    } else if (name == kAgentZoneConfig) {
      EXPECT_EQ(value, "");
    }
  }
}

}  // namespace
}  // namespace sluice::agent
