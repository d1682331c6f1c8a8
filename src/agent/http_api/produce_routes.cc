// POST /topics/{t} and /topics/{t}/partitions/{p}: every record is validated before anything is
// buffered, each partition's records become one RecordBatch, the batches of the request go to the
// agent's Batcher in one Append (one segment object, like a Kafka Produce request) and the answer
// waits for the commit.
#include <charconv>
#include <map>

#include "agent/backlog/backlog_monitor.h"
#include "agent/http_api/rest_state.h"
#include "record/batch_builder.h"
#include "record/partitioner.h"

namespace sluice::agent::http_api {

namespace {

int64_t MaxMessageBytes(const RestState& state, const metadata::TopicInfo& topic) {
  auto it = topic.configs.find("max.message.bytes");
  int64_t fallback = state.services.settings.max_message_bytes;
  if (it == topic.configs.end()) return fallback;
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
  return ec == std::errc() ? value : fallback;
}

// Commit failures (Kafka error codes) in the REST shape: retriable ones get 50003.
Json ProduceFailure(int16_t kafka_code, const std::string& message) {
  const bool retriable = kafka_code == 7 /*REQUEST_TIMED_OUT*/ || kafka_code == 6 ||
                         kafka_code == 15 || kafka_code == 0 ||
                         kafka_code == 19 /*NOT_ENOUGH_REPLICAS: backlog*/;
  return {{"partition", nullptr},
          {"offset", nullptr},
          {"error_code", retriable ? rest_code::kKafkaRetriable : rest_code::kKafkaError},
          {"error", message}};
}

}  // namespace

Task<HttpResponse> HandleProduce(RestState& state, const HttpRequest& request,
                                 const std::string& topic, std::optional<int32_t> path_partition) {
  if (auto refused = RefuseUnlessServes(state, /*produce=*/true)) co_return refused->ToResponse();
  auto format = ContentTypeFormat(request.Header("content-type"));
  if (!format) {
    co_return RestErrorResponse(rest_code::kUnsupportedMediaType,
                                "Content-Type must be " + MediaType(EmbeddedFormat::kJson) +
                                    " or " + MediaType(EmbeddedFormat::kBinary));
  }
  metadata::TopicInfo info;
  if (auto error = co_await CheckPartition(state, topic, path_partition.value_or(0), &info)) {
    co_return error->ToResponse();
  }
  std::vector<ProduceRecord> records;
  if (auto error = ParseProduceBody(request.body, *format, records)) co_return error->ToResponse();

  // Choose partitions: the path's, the record's, the key's hash (as Kafka clients do), else
  // round robin.
  std::vector<int32_t> partition_of(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    auto& r = records[i];
    int32_t p = 0;
    if (path_partition) {
      if (r.partition && *r.partition != *path_partition) {
        co_return RestErrorResponse(
            rest_code::kInvalidRecords,
            "records[" + std::to_string(i) + "].partition differs from the partition in the path");
      }
      p = *path_partition;
    } else if (r.partition) {
      p = *r.partition;
    } else if (r.record.key) {
      p = PartitionForKey(*r.record.key, info.num_partitions);
    } else {
      p = static_cast<int32_t>(state.round_robin++ % static_cast<uint32_t>(info.num_partitions));
    }
    if (p >= info.num_partitions) {
      co_return RestErrorResponse(rest_code::kPartitionNotFound,
                                  "Partition not found: records[" + std::to_string(i) +
                                      "].partition " + std::to_string(p) + " (topic has " +
                                      std::to_string(info.num_partitions) + ")");
    }
    partition_of[i] = p;
  }
  // Compacted topics need a key on every record, as on the Kafka path (INVALID_RECORD there).
  auto policy = info.configs.find("cleanup.policy");
  if (policy != info.configs.end() && policy->second.find("compact") != std::string::npos) {
    for (size_t i = 0; i < records.size(); ++i) {
      if (!records[i].record.key) {
        co_return RestErrorResponse(
            rest_code::kInvalidRecords,
            "records[" + std::to_string(i) + "] has no key; a compacted topic needs one");
      }
    }
  }

  // Compaction far behind (docs/jobs.md "Backlog"): refuse every record before anything is
  // buffered (retriable), or hold the answer a while.
  BacklogDecision backlog;
  if (state.services.backlog) backlog = state.services.backlog->Admit();
  if (backlog.refused()) {
    Json refused = Json::array();
    for (size_t i = 0; i < records.size(); ++i) {
      refused.push_back(ProduceFailure(19, backlog.message));
    }
    co_return RestJson(200, DumpJson({{"offsets", std::move(refused)},
                                      {"key_schema_id", nullptr},
                                      {"value_schema_id", nullptr}}));
  }

  // One batch per partition, records in request order.
  const int64_t now = state.services.clock.NowMs();
  std::map<int32_t, std::vector<size_t>> by_partition;
  for (size_t i = 0; i < records.size(); ++i) by_partition[partition_of[i]].push_back(i);
  std::vector<PendingChunk> chunks;
  std::map<int32_t, size_t> chunk_of;
  const int64_t max_bytes = MaxMessageBytes(state, info);
  for (const auto& [partition, indexes] : by_partition) {
    std::vector<RecordToBuild> batch_records;
    for (size_t i : indexes) {
      records[i].record.timestamp = now;
      batch_records.push_back(std::move(records[i].record));
    }
    PendingChunk chunk;
    chunk.topic = topic;
    chunk.partition = partition;
    chunk.batch = BuildBatch(BatchBuildOptions{}, batch_records);
    if (static_cast<int64_t>(chunk.batch.size()) > max_bytes) {
      co_return RestErrorResponse(rest_code::kInvalidRecords,
                                  "the records for partition " + std::to_string(partition) +
                                      " take " + std::to_string(chunk.batch.size()) +
                                      " bytes, more than max.message.bytes (" +
                                      std::to_string(max_bytes) + ")");
    }
    chunk.record_count = static_cast<int32_t>(batch_records.size());
    chunk.last_offset_delta = chunk.record_count - 1;
    chunk.first_timestamp = now;
    chunk.max_timestamp = now;
    chunk_of[partition] = chunks.size();
    chunks.push_back(std::move(chunk));
  }

  auto done = state.services.batcher.Append(std::move(chunks));
  AppendOutcome outcome = co_await done->Wait();

  Json offsets = Json::array();
  std::map<int32_t, int64_t> next_in_partition;
  for (size_t i = 0; i < records.size(); ++i) {
    const int32_t p = partition_of[i];
    if (!outcome.ok()) {
      offsets.push_back(ProduceFailure(7, "produce failed: " + outcome.status().message()));
      continue;
    }
    const auto& result = (*outcome)[chunk_of[p]];
    if (result.error_code != 0) {
      offsets.push_back(ProduceFailure(
          result.error_code,
          "commit refused the batch (Kafka error " + std::to_string(result.error_code) + ")"));
      continue;
    }
    const int64_t offset = result.base_offset + next_in_partition[p]++;
    offsets.push_back(
        {{"partition", p}, {"offset", offset}, {"error_code", nullptr}, {"error", nullptr}});
  }
  Json body = {
      {"offsets", std::move(offsets)}, {"key_schema_id", nullptr}, {"value_schema_id", nullptr}};
  if (backlog.throttle.count() > 0) {
    asio::steady_timer hold(co_await asio::this_coro::executor, backlog.throttle);
    boost::system::error_code ec;
    co_await hold.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return RestJson(200, DumpJson(body));
}

}  // namespace sluice::agent::http_api
