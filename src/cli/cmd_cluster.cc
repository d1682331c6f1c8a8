// `sluice cluster`: the agents this client is routed to (DescribeCluster, else Metadata), with
// each agent's roles and zone (DescribeConfigs of its BROKER resource).
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <sstream>

#include "cli/admin_commands.h"
#include "cli/admin_common.h"
#include "cli/kafka_queries.h"
#include "cli/output.h"
#include "client/kafka_error.h"
#include "protocol/messages/describe_cluster.h"
#include "protocol/messages/describe_configs.h"

namespace sluice::cli {

namespace {

constexpr int8_t kBrokerResource = 4;

struct AgentDetails {
  std::vector<std::string> roles;
  std::optional<std::string> zone;
  std::string host;
  bool kafka_listener = true;  // false: kafka port 0 (a jobs-only agent)
};

std::vector<std::string> SplitRoles(const std::string& roles) {
  std::vector<std::string> out;
  std::stringstream in(roles);
  std::string role;
  while (std::getline(in, role, ',')) {
    if (!role.empty()) out.push_back(role);
  }
  return out;
}

// Roles and zone of each node id, from one DescribeConfigs of their BROKER resources. An agent
// that does not know these configs (not a Sluice agent, or an older one) is simply left out.
std::map<int32_t, AgentDetails> DescribeAgents(client::KafkaClient& client,
                                               const std::vector<int32_t>& node_ids) {
  std::map<int32_t, AgentDetails> out;
  if (node_ids.empty()) return out;
  protocol::DescribeConfigsRequest request;
  for (int32_t id : node_ids) {
    protocol::DescribeConfigsRequest::DescribeConfigsResource resource;
    resource.resource_type = kBrokerResource;
    resource.resource_name = std::to_string(id);
    resource.configuration_keys = std::vector<std::string>{
        "sluice.agent.roles", "sluice.agent.zone", "sluice.agent.host", "sluice.agent.kafka.port"};
    request.resources.push_back(std::move(resource));
  }
  auto response = client.Call<protocol::DescribeConfigsResponse>(request);
  if (!response.ok()) return out;
  for (const auto& result : response->results) {
    if (result.error_code != 0) continue;
    int32_t id = 0;
    const std::string& name = result.resource_name;
    auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
    if (ec != std::errc() || end != name.data() + name.size()) continue;
    AgentDetails details;
    bool known = false;
    for (const auto& c : result.configs) {
      if (c.name == "sluice.agent.roles" && c.value) {
        details.roles = SplitRoles(*c.value);
        known = true;
      } else if (c.name == "sluice.agent.zone" && c.value && !c.value->empty()) {
        details.zone = *c.value;
      } else if (c.name == "sluice.agent.host" && c.value) {
        details.host = *c.value;
      } else if (c.name == "sluice.agent.kafka.port" && c.value) {
        details.kafka_listener = *c.value != "0";
      }
    }
    if (known) out[id] = std::move(details);
  }
  return out;
}

// Node ids of every live agent, from the answering agent's BROKER resource: this includes the
// agents without a Kafka listener (jobs only) that DescribeCluster never lists. Empty when the
// agent does not say (not a Sluice agent, or an older one).
std::vector<int32_t> AllAgentIds(client::KafkaClient& client) {
  protocol::DescribeConfigsRequest request;
  protocol::DescribeConfigsRequest::DescribeConfigsResource resource;
  resource.resource_type = kBrokerResource;
  resource.resource_name = "";
  resource.configuration_keys = std::vector<std::string>{"sluice.cluster.agents"};
  request.resources.push_back(std::move(resource));
  std::vector<int32_t> ids;
  auto response = client.Call<protocol::DescribeConfigsResponse>(request);
  if (!response.ok() || response->results.size() != 1) return ids;
  const auto& result = response->results.front();
  if (result.error_code != 0) return ids;
  for (const auto& c : result.configs) {
    if (c.name != "sluice.cluster.agents" || !c.value) continue;
    std::stringstream in(*c.value);
    std::string item;
    while (std::getline(in, item, ',')) {
      int32_t id = 0;
      auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), id);
      if (ec == std::errc() && end == item.data() + item.size()) ids.push_back(id);
    }
  }
  return ids;
}

std::string JoinRoles(const std::vector<std::string>& roles) {
  std::string out;
  for (const auto& role : roles) out += (out.empty() ? "" : ",") + role;
  return out;
}

}  // namespace

int RunCluster(const std::vector<std::string>& args) {
  FlagSet flags("sluice cluster");
  ConnectionFlags conn;
  AddConnectionFlags(flags, &conn);
  std::vector<std::string> positional;
  if (auto exit = ParseCommandFlags(flags, args, {},
                                    "Usage: sluice cluster [flags]\n"
                                    "Lists the agents the cluster advertises to this client id "
                                    "(node id, address, roles, zone).",
                                    &positional)) {
    return *exit;
  }
  if (!positional.empty()) return UsageError("cluster takes no arguments");
  auto client = ConnectWith(conn);
  if (!client.ok()) return Fail(client.status());
  struct Broker {
    int32_t id;
    std::string host;
    int32_t port;
    std::optional<std::string> rack;
  };
  std::vector<Broker> brokers;
  std::string cluster_id;
  int32_t controller = -1;
  if (client->Version(protocol::DescribeClusterRequest::kApiKey, 0, 1).ok()) {
    auto response =
        client->Call<protocol::DescribeClusterResponse>(protocol::DescribeClusterRequest{});
    if (!response.ok()) return Fail(response.status());
    Status st =
        client::KafkaError(response->error_code, "DescribeCluster", response->error_message);
    if (!st.ok()) return Fail(st);
    cluster_id = response->cluster_id;
    controller = response->controller_id;
    for (const auto& b : response->brokers)
      brokers.push_back({b.broker_id, b.host, b.port, b.rack});
  } else {
    protocol::MetadataRequest request;  // no topics
    auto response = client->Call<protocol::MetadataResponse>(request, 12, 1);
    if (!response.ok()) return Fail(response.status());
    cluster_id = response->cluster_id.value_or("");
    controller = response->controller_id;
    for (const auto& b : response->brokers) brokers.push_back({b.node_id, b.host, b.port, b.rack});
  }
  std::sort(brokers.begin(), brokers.end(),
            [](const Broker& a, const Broker& b) { return a.id < b.id; });
  std::vector<int32_t> ids;
  for (const auto& b : brokers) ids.push_back(b.id);
  // Agents without a Kafka listener (jobs only) are listed too, with no address; agents that
  // routing hides from this client id stay hidden.
  std::vector<int32_t> unlisted;
  for (int32_t id : AllAgentIds(*client)) {
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) unlisted.push_back(id);
  }
  ids.insert(ids.end(), unlisted.begin(), unlisted.end());
  const auto details = DescribeAgents(*client, ids);
  for (int32_t id : unlisted) {
    auto it = details.find(id);
    // Gone meanwhile, or a proxy that routing does not show to this client id.
    if (it == details.end() || it->second.kafka_listener) continue;
    brokers.push_back({id, it->second.host, 0, it->second.zone});
  }
  std::sort(brokers.begin(), brokers.end(),
            [](const Broker& a, const Broker& b) { return a.id < b.id; });
  Json json_brokers = Json::Array();
  Table table({"NODE", "ADDRESS", "ROLES", "ZONE", "CONTROLLER"});
  for (const auto& b : brokers) {
    // port 0: the agent runs no Kafka listener (jobs only); clients cannot connect to it.
    std::string address = b.port ? b.host + ":" + std::to_string(b.port) : "-";
    auto it = details.find(b.id);
    const AgentDetails* agent = it == details.end() ? nullptr : &it->second;
    // The zone as registered; the rack (the same value on Sluice) for other brokers.
    std::optional<std::string> zone = agent ? agent->zone : b.rack;
    Json roles = Json::Array();
    if (agent) {
      for (const auto& role : agent->roles) roles.Push(Json(role));
    }
    json_brokers.Push(Json::Object()
                          .Set("node_id", b.id)
                          .Set("host", b.host)
                          .Set("port", b.port ? Json(b.port) : Json())
                          .Set("rack", b.rack ? Json(*b.rack) : Json())
                          .Set("roles", agent ? std::move(roles) : Json())
                          .Set("zone", zone ? Json(*zone) : Json())
                          .Set("controller", b.id == controller));
    table.AddRow({std::to_string(b.id), address, agent ? JoinRoles(agent->roles) : "-",
                  zone.value_or("-"), b.id == controller ? "*" : ""});
  }
  if (conn.json) {
    std::printf("%s\n", Json::Object()
                            .Set("cluster_id", cluster_id)
                            .Set("controller_id", controller)
                            .Set("brokers", std::move(json_brokers))
                            .Dump()
                            .c_str());
  } else {
    std::printf("Cluster: %s  (client id %s)\n\n%s", cluster_id.c_str(), conn.client_id.c_str(),
                table.Render().c_str());
  }
  return kExitOk;
}

}  // namespace sluice::cli
