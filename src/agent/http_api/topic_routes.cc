// GET /topics, /topics/{t}, /topics/{t}/partitions[/{p}[/offsets|/records]] and the dispatch of
// POST /topics/{t}[/partitions/{p}] to produce.
#include <algorithm>
#include <chrono>

#include "agent/http_api/rest_state.h"

namespace sluice::agent::http_api {

namespace {

constexpr int64_t kDefaultFetchTimeoutMs = 1000;
constexpr int64_t kMaxFetchTimeoutMs = 25000;  // below the HTTP server's write timeout
constexpr int64_t kDefaultFetchMaxBytes = 1 << 20;
constexpr int64_t kMaxFetchMaxBytes = 16 << 20;

Json PartitionJson(const RestState& state, int32_t partition) {
  const int32_t node = state.services.cluster.Self().node_id;
  return {{"partition", partition},
          {"leader", node},
          {"replicas", Json::array({{{"broker", node}, {"leader", true}, {"in_sync", true}}})}};
}

HttpResponse Ok(const Json& body) { return RestJson(200, DumpJson(body)); }

Task<HttpResponse> ListTopics(RestState& state) {
  auto topics = co_await state.services.topics.All();
  if (!topics.ok()) {
    co_return RestErrorResponse(rest_code::kKafkaRetriable, topics.status().message());
  }
  Json names = Json::array();
  for (const auto& t : *topics) names.push_back(t.name);
  co_return Ok(names);
}

Task<HttpResponse> DescribeTopic(RestState& state, const std::string& topic, bool only_partitions) {
  metadata::TopicInfo info;
  if (auto error = co_await CheckPartition(state, topic, 0, &info)) {
    if (error->error_code != rest_code::kPartitionNotFound) co_return error->ToResponse();
  }
  Json partitions = Json::array();
  for (int32_t p = 0; p < info.num_partitions; ++p) partitions.push_back(PartitionJson(state, p));
  if (only_partitions) co_return Ok(partitions);
  Json configs = Json::object();
  for (const auto& [name, value] : info.configs) configs[name] = value;
  co_return Ok({{"name", info.name}, {"configs", configs}, {"partitions", partitions}});
}

Task<HttpResponse> PartitionOffsets(RestState& state, const std::string& topic, int32_t partition) {
  if (auto error = co_await CheckPartition(state, topic, partition, nullptr)) {
    co_return error->ToResponse();
  }
  auto offsets = co_await state.services.topics.Offsets(topic, partition, /*fresh=*/true);
  if (!offsets.ok()) {
    co_return RestErrorResponse(rest_code::kKafkaRetriable, offsets.status().message());
  }
  co_return Ok(
      {{"beginning_offset", offsets->log_start_offset}, {"end_offset", offsets->high_watermark}});
}

// Reads a bounded integer query parameter; `fallback` when absent.
std::optional<int64_t> QueryInt(const HttpRequest& request, const std::string& key,
                                int64_t fallback, int64_t min, int64_t max, RestError* error) {
  auto text = request.Query(key);
  if (!text) return fallback;
  auto value = ParseInt(*text);
  if (!value || *value < min || *value > max) {
    *error = RestError{rest_code::kBadRequest,
                       "query parameter " + key + " must be an integer in [" + std::to_string(min) +
                           ", " + std::to_string(max) + "]"};
    return std::nullopt;
  }
  return value;
}

Task<HttpResponse> FetchRecords(RestState& state, const HttpRequest& request,
                                const std::string& topic, int32_t partition) {
  if (auto refused = RefuseUnlessServes(state, /*produce=*/false)) co_return refused->ToResponse();
  auto format = AcceptFormat(request.Header("accept"), EmbeddedFormat::kBinary);
  if (!format) {
    co_return RestErrorResponse(rest_code::kNotAcceptable,
                                "Accept must be " + MediaType(EmbeddedFormat::kBinary) + " or " +
                                    MediaType(EmbeddedFormat::kJson));
  }
  RestError error;
  if (!request.Query("offset")) {
    co_return RestErrorResponse(rest_code::kBadRequest, "query parameter offset is required");
  }
  auto offset = QueryInt(request, "offset", 0, 0, INT64_MAX, &error);
  auto timeout =
      QueryInt(request, "timeout", kDefaultFetchTimeoutMs, 0, kMaxFetchTimeoutMs, &error);
  auto max_bytes =
      QueryInt(request, "max_bytes", kDefaultFetchMaxBytes, 1, kMaxFetchMaxBytes, &error);
  if (!offset || !timeout || !max_bytes) co_return error.ToResponse();
  if (auto bad = co_await CheckPartition(state, topic, partition, nullptr)) {
    co_return bad->ToResponse();
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(*timeout);
  while (true) {
    auto read = co_await ReadPartition(state, topic, partition, *offset,
                                       static_cast<uint64_t>(*max_bytes), &error);
    if (!read.ok()) co_return error.ToResponse();
    if (!read->records.empty() || std::chrono::steady_clock::now() >= deadline) {
      Json out = Json::array();
      for (const auto& record : read->records) {
        Json item;
        if (auto bad = RecordToJson(topic, partition, record, *format, item)) {
          co_return bad->ToResponse();
        }
        out.push_back(std::move(item));
      }
      co_return RestJson(200, DumpJson(out), MediaType(*format));
    }
    // Long poll: sleep until a commit lands or the timeout passes, then read again.
    co_await state.services.topics.commits().WaitUntil(deadline);
  }
}

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 249) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

}  // namespace

Task<HttpResponse> HandleTopics(RestState& state, const HttpRequest& request) {
  if (request.path == "/topics") co_return co_await ListTopics(state);
  auto parts = SplitPath(request.path_suffix);
  const std::string& topic = parts[0];
  if (!ValidName(topic)) co_return RestErrorResponse(rest_code::kTopicNotFound, "Topic not found.");
  std::optional<int32_t> partition;
  if (parts.size() >= 3 && parts[1] == "partitions") {
    auto p = ParseInt(parts[2]);
    if (!p || *p < 0 || *p > INT32_MAX) {
      co_return RestErrorResponse(rest_code::kPartitionNotFound, "Partition not found.");
    }
    partition = static_cast<int32_t>(*p);
  }
  const bool post = request.method == "POST";
  if (post) {
    if (parts.size() == 1 || (parts.size() == 3 && partition)) {
      co_return co_await HandleProduce(state, request, topic, partition);
    }
  } else if (parts.size() == 1) {
    co_return co_await DescribeTopic(state, topic, false);
  } else if (parts.size() == 2 && parts[1] == "partitions") {
    co_return co_await DescribeTopic(state, topic, true);
  } else if (parts.size() == 3 && partition) {
    if (auto error = co_await CheckPartition(state, topic, *partition, nullptr)) {
      co_return error->ToResponse();
    }
    co_return Ok(PartitionJson(state, *partition));
  } else if (parts.size() == 4 && partition && parts[3] == "offsets") {
    co_return co_await PartitionOffsets(state, topic, *partition);
  } else if (parts.size() == 4 && partition && parts[3] == "records") {
    co_return co_await FetchRecords(state, request, topic, *partition);
  }
  co_return RestErrorResponse(rest_code::kNotFound, "HTTP 404 Not Found: " + request.path);
}

}  // namespace sluice::agent::http_api
