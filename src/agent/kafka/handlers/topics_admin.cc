// CreateTopics, DeleteTopics, CreatePartitions. Changes go to the metadata store; this agent's
// cache is invalidated so the very next Metadata request sees them.
#include <set>

#include "agent/kafka/handlers/handlers.h"

namespace sluice::agent {

namespace {

std::vector<CreateTopicsResponse::CreatableTopicConfigs> DescribeCreated(
    const metadata::ConfigMap& configs) {
  std::vector<CreateTopicsResponse::CreatableTopicConfigs> out;
  for (const auto& def : KnownTopicConfigs()) {
    CreateTopicsResponse::CreatableTopicConfigs c;
    c.name = def.name;
    auto it = configs.find(def.name);
    c.value = it != configs.end() ? it->second : def.default_value;
    c.read_only = false;
    c.config_source = it != configs.end() ? 1 : 5;  // DYNAMIC_TOPIC_CONFIG : DEFAULT_CONFIG
    c.is_sensitive = false;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

Task<CreateTopicsResponse> HandleCreateTopics(KafkaServices& s, RequestContext ctx,
                                              CreateTopicsRequest req) {
  CreateTopicsResponse response;
  std::set<std::string> seen;
  for (const auto& topic : req.topics) {
    CreateTopicsResponse::CreatableTopicResult out;
    out.name = topic.name;
    auto fail = [&](ErrorCode code, std::string message) {
      out.error_code = Code(code);
      out.error_message = std::move(message);
    };
    int32_t partitions = topic.num_partitions;
    if (!topic.assignments.empty()) partitions = static_cast<int32_t>(topic.assignments.size());
    if (partitions == -1) partitions = s.settings.default_num_partitions;
    metadata::ConfigMap configs;
    Status name_ok = ValidateTopicName(topic.name);
    if (!seen.insert(topic.name).second) {
      fail(ErrorCode::kInvalidRequest, "topic named twice in one request");
    } else if (!name_ok.ok()) {
      fail(ErrorCode::kInvalidTopicException, name_ok.message());
    } else if (partitions <= 0 || partitions > 100000) {
      fail(ErrorCode::kInvalidPartitions, "number of partitions must be between 1 and 100000");
    } else if (topic.replication_factor == 0 || topic.replication_factor < -1) {
      fail(ErrorCode::kInvalidReplicationFactor, "replication factor must be -1 or positive");
    } else {
      for (const auto& config : topic.configs) {
        if (!config.value) continue;  // null means "use the default"
        Status valid = ValidateTopicConfig(config.name, *config.value);
        if (!valid.ok()) {
          fail(ErrorCode::kInvalidConfig, valid.message());
          break;
        }
        configs[config.name] = *config.value;
      }
    }
    if (out.error_code == 0) {
      if (req.validate_only) {
        auto existing = co_await s.topics.Get(topic.name);
        if (existing.ok() && existing->has_value()) {
          fail(ErrorCode::kTopicAlreadyExists, "topic '" + topic.name + "' already exists");
        }
      } else {
        auto created = co_await s.store.CreateTopic(topic.name, partitions, configs);
        s.topics.Invalidate(topic.name);
        if (created.ok()) {
          out.topic_id = created->id;
        } else if (created.status().code() == StatusCode::kAlreadyExists) {
          fail(ErrorCode::kTopicAlreadyExists, "topic '" + topic.name + "' already exists");
        } else {
          fail(ErrorCode::kRequestTimedOut, created.status().message());
        }
      }
    }
    if (out.error_code == 0) {
      out.num_partitions = partitions;
      // Object storage provides the durability; report what the client asked for (or 1).
      out.replication_factor = topic.replication_factor > 0 ? topic.replication_factor : 1;
      if (ctx.api_version >= 5) out.configs = DescribeCreated(configs);
    }
    response.topics.push_back(std::move(out));
  }
  co_return response;
}

Task<DeleteTopicsResponse> HandleDeleteTopics(KafkaServices& s, RequestContext,
                                              DeleteTopicsRequest req) {
  DeleteTopicsResponse response;
  // v0-5 name topics; v6 names or ids.
  std::vector<std::pair<std::optional<std::string>, metadata::Uuid>> targets;
  for (const auto& name : req.topic_names) targets.push_back({name, {}});
  for (const auto& t : req.topics) targets.push_back({t.name, t.topic_id});

  for (auto& [name, id] : targets) {
    DeleteTopicsResponse::DeletableTopicResult out;
    if (!name) {
      auto all = co_await s.topics.All();
      if (all.ok()) {
        for (const auto& t : *all) {
          if (t.id == id) name = t.name;
        }
      }
      if (!name) {
        out.name = std::nullopt;
        out.topic_id = id;
        out.error_code = Code(ErrorCode::kUnknownTopicId);
        response.responses.push_back(std::move(out));
        continue;
      }
    }
    out.name = *name;
    auto topic = co_await s.topics.Get(*name);
    if (topic.ok() && topic->has_value()) out.topic_id = (*topic)->id;
    Status deleted = co_await s.store.DeleteTopic(*name);
    s.topics.Invalidate(*name);
    if (deleted.code() == StatusCode::kNotFound) {
      out.error_code = Code(ErrorCode::kUnknownTopicOrPartition);
    } else if (!deleted.ok()) {
      out.error_code = Code(ErrorCode::kRequestTimedOut);
      out.error_message = deleted.message();
    }
    response.responses.push_back(std::move(out));
  }
  co_return response;
}

Task<CreatePartitionsResponse> HandleCreatePartitions(KafkaServices& s, RequestContext,
                                                      CreatePartitionsRequest req) {
  CreatePartitionsResponse response;
  for (const auto& topic : req.topics) {
    CreatePartitionsResponse::CreatePartitionsTopicResult out;
    out.name = topic.name;
    auto info = co_await s.topics.Get(topic.name);
    if (!info.ok()) {
      out.error_code = Code(ErrorCode::kRequestTimedOut);
    } else if (!info->has_value()) {
      out.error_code = Code(ErrorCode::kUnknownTopicOrPartition);
      out.error_message = "topic '" + topic.name + "' does not exist";
    } else if (topic.count <= (*info)->num_partitions || topic.count > 100000) {
      out.error_code = Code(ErrorCode::kInvalidPartitions);
      out.error_message = "topic has " + std::to_string((*info)->num_partitions) +
                          " partitions; the new count must be larger (and at most 100000)";
    } else if (!req.validate_only) {
      Status grown = co_await s.store.CreatePartitions(topic.name, topic.count);
      s.topics.Invalidate(topic.name);
      if (!grown.ok()) {
        out.error_code = Code(ErrorCode::kInvalidPartitions);
        out.error_message = grown.message();
      }
    }
    response.results.push_back(std::move(out));
  }
  co_return response;
}

}  // namespace sluice::agent
