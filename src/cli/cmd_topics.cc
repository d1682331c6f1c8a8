// `sluice topics list|create|describe|alter|delete`.
#include <algorithm>
#include <cstdio>

#include "cli/admin_commands.h"
#include "cli/admin_common.h"
#include "cli/kafka_queries.h"
#include "cli/output.h"
#include "client/kafka_error.h"
#include "protocol/messages/create_partitions.h"
#include "protocol/messages/create_topics.h"
#include "protocol/messages/delete_topics.h"
#include "protocol/messages/describe_configs.h"
#include "protocol/messages/incremental_alter_configs.h"

namespace sluice::cli {

namespace {

constexpr int8_t kTopicResource = 2;
constexpr int8_t kConfigSet = 0;
constexpr int8_t kConfigDelete = 1;

using KeyValues = std::vector<std::pair<std::string, std::string>>;

void AddConfigFlag(FlagSet& flags, KeyValues* configs) {
  flags.Custom("config", "key=value", "none", "a topic config, e.g. retention.ms=86400000 (repeat)",
               [configs](std::string_view v) { return AppendKeyValue(v, configs); });
}

// DescribeConfigs v1+ says where a value comes from; v0 only whether it is the default.
std::string ConfigSource(int8_t source, bool is_default) {
  switch (source) {
    case 1:
      return "topic";
    case 2:
    case 3:
    case 4:
      return "broker";
    case 5:
      return "default";
    default:
      return is_default ? "default" : "topic";
  }
}

int List(const std::vector<std::string>& args) {
  FlagSet flags("sluice topics list");
  ConnectionFlags conn;
  AddConnectionFlags(flags, &conn);
  std::vector<std::string> positional;
  if (auto exit =
          ParseCommandFlags(flags, args, {}, "Usage: sluice topics list [flags]", &positional)) {
    return *exit;
  }
  if (!positional.empty()) return UsageError("topics list takes no arguments");
  auto client = ConnectWith(conn);
  if (!client.ok()) return Fail(client.status());
  auto metadata = GetMetadata(*client, {});
  if (!metadata.ok()) return Fail(metadata.status());
  auto topics = metadata->topics;
  std::sort(topics.begin(), topics.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  Json json = Json::Array();
  Table table({"TOPIC", "PARTITIONS"});
  for (const auto& t : topics) {
    const std::string name = t.name.value_or("");
    const int64_t partitions = static_cast<int64_t>(t.partitions.size());
    json.Push(Json::Object().Set("name", name).Set("partitions", partitions));
    table.AddRow({name, std::to_string(partitions)});
  }
  std::printf("%s", conn.json ? (json.Dump() + "\n").c_str() : table.Render().c_str());
  return kExitOk;
}

int Create(const std::vector<std::string>& args) {
  FlagSet flags("sluice topics create");
  ConnectionFlags conn;
  AddConnectionFlags(flags, &conn);
  int64_t partitions = 0;
  int64_t replication = 0;
  KeyValues configs;
  flags.Int64("partitions", &partitions, 1, 1, 100000, "number of partitions");
  flags.Int64("replicationFactor", &replication, -1, -1, 32767,
              "replication factor (-1: the broker's default; storage is the bucket anyway)");
  AddConfigFlag(flags, &configs);
  std::vector<std::string> positional;
  if (auto exit = ParseCommandFlags(flags, args, {}, "Usage: sluice topics create TOPIC [flags]",
                                    &positional)) {
    return *exit;
  }
  if (positional.size() != 1) return UsageError("topics create needs exactly one TOPIC");
  auto client = ConnectWith(conn);
  if (!client.ok()) return Fail(client.status());
  protocol::CreateTopicsRequest request;
  request.timeout_ms = static_cast<int32_t>(conn.timeout.count() / 1000000);
  protocol::CreateTopicsRequest::CreatableTopic topic;
  topic.name = positional[0];
  topic.num_partitions = static_cast<int32_t>(partitions);
  topic.replication_factor = static_cast<int16_t>(replication);
  for (const auto& [k, v] : configs) {
    protocol::CreateTopicsRequest::CreatableTopicConfig c;
    c.name = k;
    c.value = v;
    topic.configs.push_back(std::move(c));
  }
  request.topics.push_back(std::move(topic));
  auto response = client->Call<protocol::CreateTopicsResponse>(request);
  if (!response.ok()) return Fail(response.status());
  for (const auto& r : response->topics) {
    Status st = client::KafkaError(r.error_code, "topic " + r.name, r.error_message);
    if (!st.ok()) return Fail(st);
  }
  if (conn.json) {
    std::printf("%s\n", Json::Object()
                            .Set("name", positional[0])
                            .Set("partitions", partitions)
                            .Set("created", true)
                            .Dump()
                            .c_str());
  } else {
    std::printf("created topic %s with %lld partitions\n", positional[0].c_str(),
                static_cast<long long>(partitions));
  }
  return kExitOk;
}

int Describe(const std::vector<std::string>& args) {
  FlagSet flags("sluice topics describe");
  ConnectionFlags conn;
  AddConnectionFlags(flags, &conn);
  std::vector<std::string> positional;
  if (auto exit = ParseCommandFlags(flags, args, {}, "Usage: sluice topics describe TOPIC [flags]",
                                    &positional)) {
    return *exit;
  }
  if (positional.size() != 1) return UsageError("topics describe needs exactly one TOPIC");
  const std::string& name = positional[0];
  auto client = ConnectWith(conn);
  if (!client.ok()) return Fail(client.status());
  auto metadata = GetMetadata(*client, {name});
  if (!metadata.ok()) return Fail(metadata.status());
  std::vector<protocol::MetadataResponse::MetadataResponsePartition> parts;
  for (const auto& t : metadata->topics) {
    if (t.name == name) parts = t.partitions;
  }
  std::sort(parts.begin(), parts.end(),
            [](const auto& a, const auto& b) { return a.partition_index < b.partition_index; });
  std::vector<int32_t> ids;
  for (const auto& p : parts) ids.push_back(p.partition_index);
  auto earliest = ListOffsets(*client, name, ids, kEarliestTimestamp);
  if (!earliest.ok()) return Fail(earliest.status());
  auto latest = ListOffsets(*client, name, ids, kLatestTimestamp);
  if (!latest.ok()) return Fail(latest.status());

  protocol::DescribeConfigsRequest configs_request;
  protocol::DescribeConfigsRequest::DescribeConfigsResource resource;
  resource.resource_type = kTopicResource;
  resource.resource_name = name;
  resource.configuration_keys.reset();  // all
  configs_request.resources.push_back(std::move(resource));
  auto configs = client->Call<protocol::DescribeConfigsResponse>(configs_request);
  if (!configs.ok()) return Fail(configs.status());

  Json json = Json::Object();
  json.Set("name", name);
  Json json_parts = Json::Array();
  Table part_table({"PARTITION", "LEADER", "START-OFFSET", "END-OFFSET"});
  for (const auto& p : parts) {
    int64_t start = (*earliest)[p.partition_index];
    int64_t end = (*latest)[p.partition_index];
    json_parts.Push(Json::Object()
                        .Set("partition", p.partition_index)
                        .Set("leader", p.leader_id)
                        .Set("start_offset", start)
                        .Set("end_offset", end));
    part_table.AddRow({std::to_string(p.partition_index), std::to_string(p.leader_id),
                       std::to_string(start), std::to_string(end)});
  }
  json.Set("partitions", std::move(json_parts));
  Json json_configs = Json::Object();
  Json json_sources = Json::Object();
  Table config_table({"CONFIG", "VALUE", "SOURCE"});
  for (const auto& result : configs->results) {
    Status st =
        client::KafkaError(result.error_code, "configs of topic " + name, result.error_message);
    if (!st.ok()) return Fail(st);
    for (const auto& c : result.configs) {
      const std::string value = c.is_sensitive ? "(sensitive)" : c.value.value_or("");
      json_configs.Set(c.name, c.value ? Json(value) : Json());
      json_sources.Set(c.name, ConfigSource(c.config_source, c.is_default));
      config_table.AddRow({c.name, value, ConfigSource(c.config_source, c.is_default)});
    }
  }
  json.Set("configs", std::move(json_configs));
  json.Set("config_sources", std::move(json_sources));
  if (conn.json) {
    std::printf("%s\n", json.Dump().c_str());
  } else {
    std::printf("Topic: %s  Partitions: %zu\n\n%s\n%s", name.c_str(), parts.size(),
                part_table.Render().c_str(), config_table.Render().c_str());
  }
  return kExitOk;
}

int Alter(const std::vector<std::string>& args) {
  FlagSet flags("sluice topics alter");
  ConnectionFlags conn;
  AddConnectionFlags(flags, &conn);
  int64_t partitions = 0;
  KeyValues configs;
  std::vector<std::string> deletes;
  flags.Int64("partitions", &partitions, 0, 0, 100000,
              "new total number of partitions (can only grow; 0: unchanged)");
  AddConfigFlag(flags, &configs);
  flags.Custom("deleteConfig", "key", "none", "a topic config to reset to its default (repeat)",
               [&deletes](std::string_view v) {
                 deletes.emplace_back(v);
                 return Status::Ok();
               });
  std::vector<std::string> positional;
  if (auto exit = ParseCommandFlags(flags, args, {}, "Usage: sluice topics alter TOPIC [flags]",
                                    &positional)) {
    return *exit;
  }
  if (positional.size() != 1) return UsageError("topics alter needs exactly one TOPIC");
  if (partitions == 0 && configs.empty() && deletes.empty()) {
    return UsageError(
        "topics alter: nothing to change (use -partitions, -config or -deleteConfig)");
  }
  const std::string& name = positional[0];
  auto client = ConnectWith(conn);
  if (!client.ok()) return Fail(client.status());
  auto ids = TopicPartitionIds(*client, name);  // unknown topics fail here, clearly
  if (!ids.ok()) return Fail(ids.status());
  Json changed = Json::Array();
  if (partitions > 0 && static_cast<size_t>(partitions) != ids->size()) {
    protocol::CreatePartitionsRequest request;
    protocol::CreatePartitionsRequest::CreatePartitionsTopic t;
    t.name = name;
    t.count = static_cast<int32_t>(partitions);
    t.assignments.reset();
    request.topics.push_back(std::move(t));
    request.timeout_ms = static_cast<int32_t>(conn.timeout.count() / 1000000);
    auto response = client->Call<protocol::CreatePartitionsResponse>(request);
    if (!response.ok()) return Fail(response.status());
    for (const auto& r : response->results) {
      Status st = client::KafkaError(r.error_code, "topic " + r.name, r.error_message);
      if (!st.ok()) return Fail(st);
    }
    changed.Push(Json::Object().Set("partitions", partitions));
  }
  if (!configs.empty() || !deletes.empty()) {
    protocol::IncrementalAlterConfigsRequest request;
    protocol::IncrementalAlterConfigsRequest::AlterConfigsResource resource;
    resource.resource_type = kTopicResource;
    resource.resource_name = name;
    for (const auto& [k, v] : configs) {
      protocol::IncrementalAlterConfigsRequest::AlterableConfig c;
      c.name = k;
      c.config_operation = kConfigSet;
      c.value = v;
      resource.configs.push_back(std::move(c));
      changed.Push(Json::Object().Set("config", k).Set("value", v));
    }
    for (const auto& k : deletes) {
      protocol::IncrementalAlterConfigsRequest::AlterableConfig c;
      c.name = k;
      c.config_operation = kConfigDelete;
      c.value.reset();
      resource.configs.push_back(std::move(c));
      changed.Push(Json::Object().Set("config", k).Set("value", Json()));
    }
    request.resources.push_back(std::move(resource));
    auto response = client->Call<protocol::IncrementalAlterConfigsResponse>(request);
    if (!response.ok()) return Fail(response.status());
    for (const auto& r : response->responses) {
      Status st =
          client::KafkaError(r.error_code, "configs of topic " + r.resource_name, r.error_message);
      if (!st.ok()) return Fail(st);
    }
  }
  if (conn.json) {
    std::printf("%s\n", Json::Object().Set("name", name).Set("changes", changed).Dump().c_str());
  } else {
    std::printf("altered topic %s\n", name.c_str());
  }
  return kExitOk;
}

int Delete(const std::vector<std::string>& args) {
  FlagSet flags("sluice topics delete");
  ConnectionFlags conn;
  AddConnectionFlags(flags, &conn);
  std::vector<std::string> positional;
  if (auto exit = ParseCommandFlags(flags, args, {}, "Usage: sluice topics delete TOPIC... [flags]",
                                    &positional)) {
    return *exit;
  }
  if (positional.empty()) return UsageError("topics delete needs at least one TOPIC");
  auto client = ConnectWith(conn);
  if (!client.ok()) return Fail(client.status());
  auto version = client->Version(protocol::DeleteTopicsRequest::kApiKey, 0,
                                 protocol::DeleteTopicsRequest::kMaxVersion);
  if (!version.ok()) return Fail(version.status());
  protocol::DeleteTopicsRequest request;
  request.timeout_ms = static_cast<int32_t>(conn.timeout.count() / 1000000);
  for (const auto& name : positional) {
    if (*version >= 6) {  // v6 names topics in a struct (by name or id)
      protocol::DeleteTopicsRequest::DeleteTopicState s;
      s.name = name;
      request.topics.push_back(std::move(s));
    } else {
      request.topic_names.push_back(name);
    }
  }
  auto response = client->Call<protocol::DeleteTopicsResponse>(request, *version, *version);
  if (!response.ok()) return Fail(response.status());
  int exit = kExitOk;
  Json json = Json::Array();
  for (const auto& r : response->responses) {
    const std::string name = r.name.value_or("");
    Status st = client::KafkaError(r.error_code, "topic " + name, r.error_message);
    json.Push(Json::Object()
                  .Set("name", name)
                  .Set("deleted", st.ok())
                  .Set("error", st.ok() ? Json() : Json(st.message())));
    if (!st.ok()) {
      exit = Fail(st);
    } else if (!conn.json) {
      std::printf("deleted topic %s\n", name.c_str());
    }
  }
  if (conn.json) std::printf("%s\n", json.Dump().c_str());
  return exit;
}

}  // namespace

int RunTopics(const std::vector<std::string>& args) {
  static const char* kUsage =
      "Usage: sluice topics list|create|describe|alter|delete [args] [flags]\n"
      "  list                         every topic with its partition count\n"
      "  create TOPIC [-partitions N] [-config k=v]...\n"
      "  describe TOPIC               partitions with start/end offsets, and configs\n"
      "  alter TOPIC [-partitions N] [-config k=v]... [-deleteConfig k]...\n"
      "  delete TOPIC...\n"
      "Run `sluice help topics <subcommand>` for the flags.\n";
  if (args.empty() || args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
    std::printf("%s", kUsage);
    return args.empty() ? kExitUsage : kExitOk;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "list") return List(rest);
  if (args[0] == "create") return Create(rest);
  if (args[0] == "describe") return Describe(rest);
  if (args[0] == "alter") return Alter(rest);
  if (args[0] == "delete") return Delete(rest);
  std::fprintf(stderr, "sluice: unknown subcommand 'topics %s'\n%s", args[0].c_str(), kUsage);
  return kExitUsage;
}

}  // namespace sluice::cli
