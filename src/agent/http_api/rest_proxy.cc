#include "agent/http_api/rest_proxy.h"

#include <algorithm>
#include <charconv>

#include "agent/cluster/cluster_view.h"
#include "agent/http_api/consumer_instance.h"
#include "agent/http_api/rest_state.h"

namespace sluice::agent::http_api {

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t value = 0;
  if (text.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    out.emplace_back(
        path.substr(start, slash == std::string_view::npos ? path.npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

std::optional<RestError> RefuseUnlessServes(const RestState& state, bool produce) {
  const bool serves = produce ? state.options.accepts_produce : state.options.accepts_consume;
  if (serves) return std::nullopt;
  const auto& self = state.services.cluster.Self();
  std::string others;
  for (const auto& agent : *state.services.cluster.LiveAgents()) {
    if (agent.node_id == self.node_id || agent.agent.http_port <= 0) continue;
    if (produce ? !ServesProduce(agent) : !ServesConsume(agent)) continue;
    others += (others.empty() ? "" : ", ") + std::string("http://") + agent.agent.host + ":" +
              std::to_string(agent.agent.http_port) + " (" + agent.agent.roles + ")";
  }
  std::string message = std::string("this agent (roles ") + self.agent.roles +
                        ") does not accept HTTP " + (produce ? "produce" : "fetch or consume") +
                        " requests; send them to an agent with role proxy or " +
                        (produce ? "proxy-produce" : "proxy-consume") + ": " +
                        (others.empty() ? "none is live right now" : others);
  return RestError{rest_code::kRoleRefused, std::move(message)};
}

Task<std::optional<RestError>> CheckPartition(RestState& state, const std::string& topic,
                                              int32_t partition, metadata::TopicInfo* info) {
  auto found = co_await state.services.topics.Get(topic);
  if (!found.ok()) {
    co_return RestError{rest_code::kKafkaRetriable,
                        "metadata store unavailable: " + found.status().message()};
  }
  if (!found->has_value()) co_return RestError{rest_code::kTopicNotFound, "Topic not found."};
  if (partition < 0 || partition >= (*found)->num_partitions) {
    co_return RestError{rest_code::kPartitionNotFound, "Partition not found."};
  }
  if (info) *info = **found;
  co_return std::nullopt;
}

Task<Result<ReadResult>> ReadPartition(RestState& state, const std::string& topic,
                                       int32_t partition, int64_t offset, uint64_t max_bytes,
                                       RestError* error) {
  auto& s = state.services;
  auto offsets = co_await s.topics.Offsets(topic, partition);
  if (offsets.ok() && offset > offsets->high_watermark) {
    // Another agent may have committed past what this one knows.
    offsets = co_await s.topics.Offsets(topic, partition, /*fresh=*/true);
  }
  if (!offsets.ok()) {
    *error = RestError{rest_code::kKafkaRetriable, offsets.status().message()};
    co_return offsets.status();
  }
  ReadResult result;
  result.high_watermark = offsets->high_watermark;
  result.next_offset = offset;
  if (offset < offsets->log_start_offset || offset > offsets->high_watermark) {
    *error = RestError{rest_code::kInvalidOffset,
                       "offset " + std::to_string(offset) + " is out of range for " + topic + "/" +
                           std::to_string(partition) + ": the log holds [" +
                           std::to_string(offsets->log_start_offset) + ", " +
                           std::to_string(offsets->high_watermark) + ")"};
    co_return Status::InvalidArgument(error->message);
  }
  if (offset == offsets->high_watermark) co_return result;
  auto read = co_await s.reader.Read(topic, partition, offset, max_bytes,
                                     /*allow_oversized_first=*/true);
  if (!read.ok()) {
    *error = RestError{rest_code::kKafkaRetriable, "read failed: " + read.status().message()};
    co_return read.status();
  }
  result.bytes = read->records.size();
  result.next_offset = std::max(offset, read->next_offset);
  auto batches = SplitBatches(read->records);
  if (!batches.ok()) {
    *error =
        RestError{rest_code::kKafkaError, "stored batch unreadable: " + batches.status().message()};
    co_return batches.status();
  }
  for (const auto& batch : *batches) {
    if (batch.header.is_control()) continue;
    auto records = DecodeRecords(batch);
    if (!records.ok()) {
      *error = RestError{rest_code::kKafkaError,
                         "stored batch unreadable: " + records.status().message()};
      co_return records.status();
    }
    for (auto& record : *records) {
      if (record.offset >= offset) result.records.push_back(std::move(record));
    }
  }
  co_return result;
}

RestProxy::RestProxy(KafkaServices& services, KafkaApi* api, RestProxyOptions options)
    : state_(std::make_shared<State>(services, api, std::move(options))) {
  StartInstanceReaper(state_);
}

RestProxy::~RestProxy() { state_->stopped = true; }

namespace {

std::optional<HttpResponse> TooLarge(const RestState& state, const HttpRequest& request) {
  if (request.body.size() <= state.options.max_body_bytes) return std::nullopt;
  return RestErrorResponse(413, "request body of " + std::to_string(request.body.size()) +
                                    " bytes is larger than the limit of " +
                                    std::to_string(state.options.max_body_bytes));
}

}  // namespace

void RegisterRoutes(HttpServer& http, RestProxy& proxy) {
  auto state = proxy.state_;
  auto topics = [state](const HttpRequest& request) -> Task<HttpResponse> {
    if (auto refused = TooLarge(*state, request)) co_return *refused;
    co_return co_await HandleTopics(*state, request);
  };
  http.Route("GET", "/topics", topics);
  http.RoutePrefix("GET", "/topics/", topics);
  http.RoutePrefix("POST", "/topics/", topics);
  auto consumers = [state](const HttpRequest& request) -> Task<HttpResponse> {
    if (auto refused = TooLarge(*state, request)) co_return *refused;
    co_return co_await HandleConsumers(state, request);
  };
  for (const char* method : {"GET", "POST", "DELETE"}) {
    http.RoutePrefix(method, "/consumers/", consumers);
  }
}

std::unique_ptr<RestProxy> RegisterRestProxyRoutes(HttpServer& http, KafkaServices& services,
                                                   KafkaApi* api, RestProxyOptions options) {
  auto proxy = std::make_unique<RestProxy>(services, api, std::move(options));
  RegisterRoutes(http, *proxy);
  return proxy;
}

}  // namespace sluice::agent::http_api
