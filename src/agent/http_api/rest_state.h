// What the REST Proxy handlers share (internal to http_api/).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/http_api/embedded_format.h"
#include "agent/http_api/rest_error.h"
#include "agent/http_api/rest_proxy.h"

namespace sluice::agent::http_api {

class ConsumerInstance;

struct RestProxy::State {
  KafkaServices& services;
  KafkaApi* api;
  RestProxyOptions options;
  uint32_t round_robin = 0;                  // partition for records without key or partition
  uint64_t next_connection_id = 1ull << 62;  // loopback "connections" of consumer instances
  uint64_t next_instance = 1;
  // (group, instance name) -> instance
  std::map<std::pair<std::string, std::string>, std::shared_ptr<ConsumerInstance>> instances;
  bool stopped = false;

  State(KafkaServices& s, KafkaApi* a, RestProxyOptions o)
      : services(s), api(a), options(std::move(o)) {}
};
using RestState = RestProxy::State;

// 421 naming the agents that do serve the request, when this agent's roles exclude it.
std::optional<RestError> RefuseUnlessServes(const RestState& state, bool produce);

// Topic and partition checks shared by the handlers: 40401, 40402, 50003 (store unavailable).
Task<std::optional<RestError>> CheckPartition(RestState& state, const std::string& topic,
                                              int32_t partition, metadata::TopicInfo* info);

// Records of one partition from `offset` (inclusive), whole batches up to about `max_bytes`,
// records before `offset` dropped. Empty at the high watermark. 42202 outside the log.
struct ReadResult {
  std::vector<Record> records;
  int64_t high_watermark = 0;
  uint64_t bytes = 0;
  // Where the next read starts: past the last batch returned, which can be past the last record
  // (compaction dropped the batch's tail, or the batch is a transaction marker).
  int64_t next_offset = 0;
};
Task<Result<ReadResult>> ReadPartition(RestState& state, const std::string& topic,
                                       int32_t partition, int64_t offset, uint64_t max_bytes,
                                       RestError* error);

// Handlers (topic_routes.cc, produce_routes.cc, consumer_routes.cc).
Task<HttpResponse> HandleTopics(RestState& state, const HttpRequest& request);
Task<HttpResponse> HandleProduce(RestState& state, const HttpRequest& request,
                                 const std::string& topic, std::optional<int32_t> partition);
Task<HttpResponse> HandleConsumers(std::shared_ptr<RestState> state, const HttpRequest& request);

// "12" -> 12; nullopt for anything that is not a whole decimal number in range.
std::optional<int64_t> ParseInt(std::string_view text);
// Splits "a/b/c" into segments (empty segments kept, so "a//b" is refused by callers).
std::vector<std::string> SplitPath(std::string_view path);

}  // namespace sluice::agent::http_api
