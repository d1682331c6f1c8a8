// DescribeConfigs, AlterConfigs, IncrementalAlterConfigs for topics (resource type 2) and a
// read-only view of broker settings (resource type 4): the answering agent's flags, and any live
// agent's membership record (roles, zone, ...; cluster/broker_resource.h).
#include <algorithm>
#include <sstream>

#include "agent/cluster/broker_resource.h"
#include "agent/kafka/handlers/handlers.h"

namespace sluice::agent {

namespace {

constexpr int8_t kTopicResource = 2;
constexpr int8_t kBrokerResource = 4;
constexpr int8_t kSourceDynamicTopic = 1;
constexpr int8_t kSourceStaticBroker = 4;
constexpr int8_t kSourceDefault = 5;

using ConfigEntry = DescribeConfigsResponse::DescribeConfigsResourceResult;

ConfigEntry MakeEntry(const std::string& name, const std::string& value, bool is_default,
                      int8_t source, ConfigType type, const std::string& doc, bool read_only,
                      const DescribeConfigsRequest& req) {
  ConfigEntry e;
  e.name = name;
  e.value = value;
  e.read_only = read_only;
  e.is_default = is_default;
  e.config_source = source;
  e.is_sensitive = false;
  e.config_type = static_cast<int8_t>(type);
  if (req.include_documentation) e.documentation = doc;
  if (req.include_synonyms) {
    DescribeConfigsResponse::DescribeConfigsSynonym synonym;
    synonym.name = name;
    synonym.value = value;
    synonym.source = source;
    e.synonyms.push_back(std::move(synonym));
  }
  return e;
}

bool Wanted(const std::optional<std::vector<std::string>>& keys, const std::string& name) {
  return !keys || keys->empty() || std::find(keys->begin(), keys->end(), name) != keys->end();
}

std::vector<std::string> SplitList(const std::string& value) {
  std::vector<std::string> out;
  std::stringstream in(value);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

// The agent a BROKER resource names: "" is this agent; a node id is looked up in the live view,
// then in the store (an agent that registered since the view's last refresh). nullopt with
// `out`'s error set when there is no such live agent (Kafka: INVALID_REQUEST for a broker id
// that is not its own).
Task<std::optional<metadata::AgentRecord>> ResolveBroker(
    KafkaServices& s, const std::string& name,
    DescribeConfigsResponse::DescribeConfigsResult& out) {
  auto id = ParseBrokerResourceName(name);
  if (!id.ok()) {
    out.error_code = Code(ErrorCode::kInvalidRequest);
    out.error_message = id.status().message();
    co_return std::nullopt;
  }
  if (!id->has_value() || **id == s.cluster.Self().node_id) co_return s.cluster.Self();
  if (const auto* agent = FindAgent(*s.cluster.LiveAgents(), **id)) co_return *agent;
  auto live = co_await s.store.ListLiveAgents(s.clock.NowMs());
  if (live.ok()) {
    if (const auto* agent = FindAgent(*live, **id)) co_return *agent;
  }
  out.error_code = Code(ErrorCode::kInvalidRequest);
  out.error_message = "Unexpected broker id: no live agent has node id " + name;
  co_return std::nullopt;
}

}  // namespace

Task<DescribeConfigsResponse> HandleDescribeConfigs(KafkaServices& s, RequestContext,
                                                    DescribeConfigsRequest req) {
  DescribeConfigsResponse response;
  for (const auto& resource : req.resources) {
    DescribeConfigsResponse::DescribeConfigsResult out;
    out.resource_type = resource.resource_type;
    out.resource_name = resource.resource_name;
    if (resource.resource_type == kTopicResource) {
      auto topic = co_await s.topics.Get(resource.resource_name);
      if (!topic.ok()) {
        out.error_code = Code(ErrorCode::kRequestTimedOut);
      } else if (!topic->has_value()) {
        out.error_code = Code(ErrorCode::kUnknownTopicOrPartition);
        out.error_message = "topic '" + resource.resource_name + "' does not exist";
      } else {
        const auto& explicit_configs = (*topic)->configs;
        for (const auto& def : KnownTopicConfigs()) {
          if (!Wanted(resource.configuration_keys, def.name)) continue;
          auto it = explicit_configs.find(def.name);
          const bool is_default = it == explicit_configs.end();
          // Retention defaults come from the agent's flags, as Kafka's from log.retention.*.
          std::string default_value = def.default_value;
          if (def.name == "retention.ms") {
            default_value = std::to_string(s.settings.default_retention_ms);
          } else if (def.name == "retention.bytes") {
            default_value = std::to_string(s.settings.default_retention_bytes);
          }
          out.configs.push_back(MakeEntry(def.name, is_default ? default_value : it->second,
                                          is_default,
                                          is_default ? kSourceDefault : kSourceDynamicTopic,
                                          def.type, def.documentation, false, req));
        }
      }
    } else if (resource.resource_type == kBrokerResource) {
      auto agent = co_await ResolveBroker(s, resource.resource_name, out);
      if (agent) {
        // Every agent's membership record; this agent's own flags only for itself (another
        // agent's flags are not in the store).
        auto broker = AgentMembershipConfigs(*agent);
        if (agent->node_id == s.cluster.Self().node_id) {
          const std::vector<std::pair<std::string, std::optional<std::string>>> flags = {
              {"auto.create.topics.enable", s.settings.auto_create_topics ? "true" : "false"},
              {"num.partitions", std::to_string(s.settings.default_num_partitions)},
              {"default.replication.factor", "1"},
              {"min.insync.replicas", "1"},
              {"message.max.bytes", std::to_string(s.settings.max_message_bytes)},
              {"log.retention.ms", std::to_string(s.settings.default_retention_ms)},
              {"log.retention.bytes", std::to_string(s.settings.default_retention_bytes)},
          };
          broker.insert(broker.end(), flags.begin(), flags.end());
          // Every live agent, including those without a Kafka listener (jobs only), which
          // Metadata and DescribeCluster never show: `sluice cluster` describes them by id.
          if (Wanted(resource.configuration_keys, kClusterAgentsConfig)) {
            auto live = co_await s.store.ListLiveAgents(s.clock.NowMs());
            if (live.ok()) {
              std::vector<std::string> ids;
              for (const auto& a : *live) ids.push_back(std::to_string(a.node_id));
              broker.emplace_back(kClusterAgentsConfig, JoinList(ids));
            }
          }
        }
        for (const auto& [name, value] : broker) {
          if (!Wanted(resource.configuration_keys, name)) continue;
          auto entry = MakeEntry(name, value.value_or(""), !value.has_value(),
                                 value ? kSourceStaticBroker : kSourceDefault, ConfigType::kString,
                                 "set by agent flags and registration", true, req);
          entry.value = value;
          if (!value && !entry.synonyms.empty()) entry.synonyms.front().value = std::nullopt;
          out.configs.push_back(std::move(entry));
        }
      }
    } else {
      out.error_code = Code(ErrorCode::kInvalidRequest);
      out.error_message = "only topic and broker resources have configs";
    }
    response.results.push_back(std::move(out));
  }
  co_return response;
}

namespace {

// Validates and stores the new explicit config map of a topic; returns error code and message.
Task<std::pair<int16_t, std::string>> ApplyTopicConfigs(KafkaServices& s, const std::string& name,
                                                        const metadata::ConfigMap& configs,
                                                        bool validate_only) {
  for (const auto& [key, value] : configs) {
    Status valid = ValidateTopicConfig(key, value);
    if (!valid.ok()) co_return std::make_pair(Code(ErrorCode::kInvalidConfig), valid.message());
  }
  if (validate_only) co_return std::make_pair(int16_t{0}, std::string());
  Status stored = co_await s.store.SetTopicConfigs(name, configs);
  s.topics.Invalidate(name);
  if (stored.code() == StatusCode::kNotFound) {
    co_return std::make_pair(Code(ErrorCode::kUnknownTopicOrPartition), stored.message());
  }
  if (!stored.ok()) co_return std::make_pair(Code(ErrorCode::kRequestTimedOut), stored.message());
  co_return std::make_pair(int16_t{0}, std::string());
}

template <typename Response>
typename Response::AlterConfigsResourceResponse ResourceResult(int8_t type,
                                                               const std::string& name) {
  typename Response::AlterConfigsResourceResponse out;
  out.resource_type = type;
  out.resource_name = name;
  return out;
}

}  // namespace

Task<AlterConfigsResponse> HandleAlterConfigs(KafkaServices& s, RequestContext,
                                              AlterConfigsRequest req) {
  AlterConfigsResponse response;
  for (const auto& resource : req.resources) {
    auto out = ResourceResult<AlterConfigsResponse>(resource.resource_type, resource.resource_name);
    if (resource.resource_type != kTopicResource) {
      out.error_code = Code(ErrorCode::kInvalidRequest);
      out.error_message = "only topic configs can be altered; agent settings are flags";
    } else {
      auto topic = co_await s.topics.Get(resource.resource_name);
      if (!topic.ok() || !topic->has_value()) {
        out.error_code = Code(ErrorCode::kUnknownTopicOrPartition);
      } else {
        // AlterConfigs replaces the whole set of explicit configs.
        metadata::ConfigMap configs;
        for (const auto& c : resource.configs) {
          if (c.value) configs[c.name] = *c.value;
        }
        auto [code, message] =
            co_await ApplyTopicConfigs(s, resource.resource_name, configs, req.validate_only);
        out.error_code = code;
        if (code) out.error_message = message;
      }
    }
    response.responses.push_back(std::move(out));
  }
  co_return response;
}

Task<IncrementalAlterConfigsResponse> HandleIncrementalAlterConfigs(
    KafkaServices& s, RequestContext, IncrementalAlterConfigsRequest req) {
  IncrementalAlterConfigsResponse response;
  for (const auto& resource : req.resources) {
    auto out = ResourceResult<IncrementalAlterConfigsResponse>(resource.resource_type,
                                                               resource.resource_name);
    if (resource.resource_type != kTopicResource) {
      out.error_code = Code(ErrorCode::kInvalidRequest);
      out.error_message = "only topic configs can be altered; agent settings are flags";
      response.responses.push_back(std::move(out));
      continue;
    }
    auto topic = co_await s.topics.Get(resource.resource_name);
    if (!topic.ok() || !topic->has_value()) {
      out.error_code = Code(ErrorCode::kUnknownTopicOrPartition);
      response.responses.push_back(std::move(out));
      continue;
    }
    metadata::ConfigMap configs = (*topic)->configs;
    for (const auto& c : resource.configs) {
      const std::string current = EffectiveTopicConfig(configs, c.name);
      switch (c.config_operation) {
        case 0:  // SET
          if (c.value) configs[c.name] = *c.value;
          break;
        case 1:  // DELETE: back to the default
          configs.erase(c.name);
          break;
        case 2: {  // APPEND to a list
          auto items = SplitList(current);
          for (const auto& v : SplitList(c.value.value_or(""))) {
            if (std::find(items.begin(), items.end(), v) == items.end()) items.push_back(v);
          }
          configs[c.name] = JoinList(items);
          break;
        }
        case 3: {  // SUBTRACT from a list
          auto items = SplitList(current);
          for (const auto& v : SplitList(c.value.value_or(""))) std::erase(items, v);
          configs[c.name] = JoinList(items);
          break;
        }
        default:
          out.error_code = Code(ErrorCode::kInvalidRequest);
          out.error_message = "unknown config operation " + std::to_string(c.config_operation);
      }
    }
    if (out.error_code == 0) {
      auto [code, message] =
          co_await ApplyTopicConfigs(s, resource.resource_name, configs, req.validate_only);
      out.error_code = code;
      if (code) out.error_message = message;
    }
    response.responses.push_back(std::move(out));
  }
  co_return response;
}

}  // namespace sluice::agent
