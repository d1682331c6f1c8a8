// /consumers/{group}[/instances/{name}[/subscription|/assignments|/records|/offsets|/positions
// [/beginning|/end]]]: REST Proxy v2 consumer instances (consumer_instance.h does the work).
#include <algorithm>

#include "agent/http_api/consumer_instance.h"
#include "agent/http_api/rest_state.h"

namespace sluice::agent::http_api {

namespace {

constexpr int64_t kDefaultPollTimeoutMs = 1000;
constexpr int64_t kMaxPollTimeoutMs = 25000;
constexpr int64_t kDefaultPollMaxBytes = 1 << 20;

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 249) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

RestError Invalid(int code, std::string message) { return RestError{code, std::move(message)}; }

// The body as a JSON object; an empty body is an empty object.
std::optional<Json> BodyObject(const HttpRequest& request, RestError* error) {
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) return Json::object();
  auto doc = ParseJson(request.body);
  if (!doc) {
    *error = Invalid(rest_code::kBadRequest, "request body is not valid JSON");
    return std::nullopt;
  }
  if (!doc->is_object()) {
    *error = Invalid(rest_code::kInvalidRecords, "request body must be a JSON object");
    return std::nullopt;
  }
  return doc;
}

// [{"topic":..,"partition":..[,"offset":..][,"metadata":..]}] under `field`.
std::optional<std::vector<TopicPartitionOffset>> PartitionList(const Json& body, const char* field,
                                                               bool offsets, RestError* error) {
  std::vector<TopicPartitionOffset> out;
  auto it = body.find(field);
  if (it == body.end()) return out;
  if (!it->is_array()) {
    *error = Invalid(rest_code::kInvalidRecords, std::string(field) + " must be an array");
    return std::nullopt;
  }
  for (const auto& item : *it) {
    TopicPartitionOffset tpo;
    auto topic = item.is_object() ? item.find("topic") : item.end();
    auto partition = item.is_object() ? item.find("partition") : item.end();
    const int64_t p = partition != item.end() ? JsonInt(*partition).value_or(-1) : -1;
    if (topic == item.end() || !topic->is_string() || p < 0 || p > INT32_MAX) {
      *error = Invalid(rest_code::kInvalidRecords, std::string(field) +
                                                       " entries need a topic string and a "
                                                       "non-negative partition");
      return std::nullopt;
    }
    tpo.topic = topic->get<std::string>();
    tpo.partition = static_cast<int32_t>(p);
    if (offsets) {
      auto offset = item.find("offset");
      std::optional<int64_t> o = offset != item.end() ? JsonInt(*offset) : std::nullopt;
      if (!o || *o < -1) {
        *error = Invalid(rest_code::kInvalidOffset,
                         std::string(field) + " entries need an integer offset");
        return std::nullopt;
      }
      tpo.offset = *o;
      auto metadata = item.find("metadata");
      if (metadata != item.end() && metadata->is_string())
        tpo.metadata = metadata->get<std::string>();
    }
    out.push_back(std::move(tpo));
  }
  return out;
}

std::optional<bool> BoolSetting(const Json& value) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_string()) {
    if (value == "true") return true;
    if (value == "false") return false;
  }
  return std::nullopt;
}

Task<HttpResponse> CreateInstance(std::shared_ptr<RestState> state, const HttpRequest& request,
                                  const std::string& group) {
  RestError error;
  auto body = BodyObject(request, &error);
  if (!body) co_return error.ToResponse();
  ConsumerConfig config;
  config.idle_timeout = state->options.instance_idle_timeout;
  std::string name;
  auto bad = [](std::string message) {
    return RestErrorResponse(rest_code::kInvalidConsumerConfig,
                             "Invalid consumer configuration: " + message);
  };
  for (const auto& [key, value] : body->items()) {
    if (key == "name" || key == "id") {
      if (!value.is_string() || !ValidName(value.get<std::string>())) {
        co_return bad("name must be 1-249 characters of [A-Za-z0-9._-]");
      }
      name = value.get<std::string>();
    } else if (key == "format") {
      auto format = value.is_string() ? ParseFormatName(value.get<std::string>()) : std::nullopt;
      if (!format) co_return bad("format must be binary or json");
      config.format = *format;
    } else if (key == "auto.offset.reset") {
      const std::string v = value.is_string() ? value.get<std::string>() : "";
      if (v == "earliest" || v == "smallest") {
        config.reset_to_earliest = true;
      } else if (v == "none") {
        config.reset_none = true;
      } else if (v != "latest" && v != "largest") {
        co_return bad("auto.offset.reset must be earliest, latest or none");
      }
    } else if (key == "auto.commit.enable" || key == "enable.auto.commit") {
      auto v = BoolSetting(value);
      if (!v) co_return bad(key + " must be true or false");
      config.auto_commit = *v;
    } else if (key == "consumer.instance.timeout.ms") {
      auto v = value.is_string() ? ParseInt(value.get<std::string>()) : JsonInt(value);
      if (!v || *v < 100 || *v > 24LL * 3600 * 1000) co_return bad(key + " must be 100..86400000");
      config.idle_timeout = std::chrono::milliseconds(*v);
    } else if (key == "fetch.min.bytes" || key == "consumer.request.timeout.ms") {
      // Accepted for compatibility; polls take timeout and max_bytes per request.
    } else {
      co_return bad("unrecognized field " + key);
    }
  }
  if (name.empty()) name = "rest-consumer-" + std::to_string(state->next_instance++);
  if (state->instances.count({group, name})) {
    co_return RestErrorResponse(
        rest_code::kConsumerAlreadyExists,
        "Consumer with specified consumer ID already exists in the specified consumer group.");
  }
  auto instance = std::make_shared<ConsumerInstance>(state, group, name, config);
  state->instances[{group, name}] = instance;
  std::string host(request.Header("host"));
  if (host.empty()) host = state->services.settings.advertised_host;
  Json answer = {{"instance_id", name},
                 {"base_uri", "http://" + host + "/consumers/" + group + "/instances/" + name}};
  co_return RestJson(200, DumpJson(answer));
}

Task<HttpResponse> InstanceRequest(std::shared_ptr<RestState> state, const HttpRequest& request,
                                   std::shared_ptr<ConsumerInstance> instance,
                                   const std::vector<std::string>& rest) {
  instance->Touch();
  const std::string& method = request.method;
  const std::string what = rest.empty() ? "" : rest[0];
  RestError error;
  if (what.empty() && rest.size() <= 1 && method == "DELETE") {
    instance->Close();
    state->instances.erase({instance->group(), instance->name()});
    co_return RestNoContent();
  }
  if (rest.size() == 1 && what == "subscription") {
    if (method == "GET") co_return RestJson(200, DumpJson({{"topics", instance->subscription()}}));
    if (method == "DELETE") {
      instance->Unsubscribe();
      co_return RestNoContent();
    }
    auto body = BodyObject(request, &error);
    if (!body) co_return error.ToResponse();
    if (body->contains("topic_pattern")) {
      co_return RestErrorResponse(rest_code::kInvalidConsumerConfig,
                                  "topic_pattern subscriptions are not supported; list topics");
    }
    auto topics = body->find("topics");
    if (topics == body->end() || !topics->is_array() || topics->empty()) {
      co_return RestErrorResponse(rest_code::kInvalidRecords, "topics must be a non-empty array");
    }
    std::vector<std::string> names;
    for (const auto& t : *topics) {
      if (!t.is_string() || !ValidName(t.get<std::string>())) {
        co_return RestErrorResponse(rest_code::kInvalidRecords, "topics must be topic names");
      }
      names.push_back(t.get<std::string>());
    }
    instance->Subscribe(std::move(names));
    co_return RestNoContent();
  }
  if (rest.size() == 1 && what == "assignments" && method == "GET") {
    Json partitions = Json::array();
    for (const auto& [topic, partition] : instance->Assignment()) {
      partitions.push_back({{"topic", topic}, {"partition", partition}});
    }
    co_return RestJson(200, DumpJson({{"partitions", partitions}}));
  }
  if (rest.size() == 1 && what == "records" && method == "GET") {
    auto format = AcceptFormat(request.Header("accept"), instance->config().format);
    if (!format || *format != instance->config().format) {
      co_return RestErrorResponse(rest_code::kConsumerFormatMismatch,
                                  "The requested embedded data format does not match the format "
                                  "of this consumer instance (" +
                                      MediaType(instance->config().format) + ")");
    }
    auto timeout =
        ParseInt(request.Query("timeout").value_or(std::to_string(kDefaultPollTimeoutMs)));
    auto max_bytes =
        ParseInt(request.Query("max_bytes").value_or(std::to_string(kDefaultPollMaxBytes)));
    if (!timeout || *timeout < 0 || *timeout > kMaxPollTimeoutMs || !max_bytes || *max_bytes < 1) {
      co_return RestErrorResponse(rest_code::kBadRequest,
                                  "timeout must be 0.." + std::to_string(kMaxPollTimeoutMs) +
                                      " ms and max_bytes a positive integer");
    }
    auto records = co_await instance->Poll(std::chrono::milliseconds(*timeout),
                                           static_cast<uint64_t>(*max_bytes), &error);
    instance->Touch();
    if (!records) co_return error.ToResponse();
    co_return RestJson(200, DumpJson(*records), MediaType(*format));
  }
  if (rest.size() == 1 && what == "offsets") {
    auto body = BodyObject(request, &error);
    if (!body) co_return error.ToResponse();
    if (method == "POST") {
      auto offsets = PartitionList(*body, "offsets", true, &error);
      if (!offsets) co_return error.ToResponse();
      if (auto failed = co_await instance->Commit(std::move(*offsets))) {
        co_return failed->ToResponse();
      }
      co_return RestJson(200, "");
    }
    if (method == "GET") {
      auto partitions = PartitionList(*body, "partitions", false, &error);
      if (!partitions) co_return error.ToResponse();
      if (auto failed = co_await instance->Committed(*partitions)) co_return failed->ToResponse();
      Json offsets = Json::array();
      for (const auto& p : *partitions) {
        offsets.push_back({{"topic", p.topic},
                           {"partition", p.partition},
                           {"offset", p.offset},
                           {"metadata", p.metadata}});
      }
      co_return RestJson(200, DumpJson({{"offsets", offsets}}));
    }
  }
  if (what == "positions" && method == "POST" && rest.size() <= 2) {
    auto body = BodyObject(request, &error);
    if (!body) co_return error.ToResponse();
    std::optional<RestError> failed;
    if (rest.size() == 1) {
      auto offsets = PartitionList(*body, "offsets", true, &error);
      if (!offsets) co_return error.ToResponse();
      failed = co_await instance->Seek(*offsets);
    } else if (rest[1] == "beginning" || rest[1] == "end") {
      auto partitions = PartitionList(*body, "partitions", false, &error);
      if (!partitions) co_return error.ToResponse();
      failed = co_await instance->SeekToEdge(*partitions, rest[1] == "beginning");
    } else {
      co_return RestErrorResponse(rest_code::kNotFound, "HTTP 404 Not Found: " + request.path);
    }
    if (failed) co_return failed->ToResponse();
    co_return RestNoContent();
  }
  co_return RestErrorResponse(rest_code::kNotFound,
                              "HTTP 404 Not Found: " + request.method + " " + request.path);
}

}  // namespace

Task<HttpResponse> HandleConsumers(std::shared_ptr<RestState> state, const HttpRequest& request) {
  if (auto refused = RefuseUnlessServes(*state, /*produce=*/false)) {
    co_return refused->ToResponse();
  }
  if (!state->api) {
    co_return RestErrorResponse(rest_code::kRoleRefused,
                                "this agent runs no Kafka listener, so it has no consumer groups");
  }
  auto parts = SplitPath(request.path_suffix);
  const std::string& group = parts[0];
  if (!ValidName(group)) {
    co_return RestErrorResponse(rest_code::kBadRequest,
                                "group names are 1-249 characters of [A-Za-z0-9._-]");
  }
  if (parts.size() == 1 && request.method == "POST") {
    co_return co_await CreateInstance(state, request, group);
  }
  if (parts.size() >= 3 && parts[1] == "instances") {
    auto it = state->instances.find({group, parts[2]});
    if (it == state->instances.end()) {
      co_return RestErrorResponse(rest_code::kConsumerNotFound, "Consumer instance not found.");
    }
    std::vector<std::string> rest(parts.begin() + 3, parts.end());
    co_return co_await InstanceRequest(state, request, it->second, rest);
  }
  co_return RestErrorResponse(rest_code::kNotFound,
                              "HTTP 404 Not Found: " + request.method + " " + request.path);
}

}  // namespace sluice::agent::http_api
