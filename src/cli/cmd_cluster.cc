// `sluice cluster`: the agents this client is routed to (DescribeCluster, else Metadata).
#include <algorithm>
#include <cstdio>

#include "cli/admin_commands.h"
#include "cli/admin_common.h"
#include "cli/kafka_queries.h"
#include "cli/output.h"
#include "client/kafka_error.h"
#include "protocol/messages/describe_cluster.h"

namespace sluice::cli {

int RunCluster(const std::vector<std::string>& args) {
  FlagSet flags("sluice cluster");
  ConnectionFlags conn;
  AddConnectionFlags(flags, &conn);
  std::vector<std::string> positional;
  if (auto exit = ParseCommandFlags(flags, args, {},
                                    "Usage: sluice cluster [flags]\n"
                                    "Lists the agents the cluster advertises to this client id "
                                    "(node id, address, zone as rack).",
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
  Json json_brokers = Json::Array();
  Table table({"NODE", "ADDRESS", "ZONE", "CONTROLLER"});
  for (const auto& b : brokers) {
    std::string address = b.host + ":" + std::to_string(b.port);
    json_brokers.Push(Json::Object()
                          .Set("node_id", b.id)
                          .Set("host", b.host)
                          .Set("port", b.port)
                          .Set("rack", b.rack ? Json(*b.rack) : Json())
                          .Set("controller", b.id == controller));
    table.AddRow(
        {std::to_string(b.id), address, b.rack.value_or("-"), b.id == controller ? "*" : ""});
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
