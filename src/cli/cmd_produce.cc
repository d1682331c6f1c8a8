// `sluice produce`: one record per stdin line, written as Kafka record batches v2.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>

#include "cli/admin_commands.h"
#include "cli/admin_common.h"
#include "cli/kafka_queries.h"
#include "cli/output.h"
#include "client/kafka_error.h"
#include "protocol/messages/produce.h"
#include "record/batch_builder.h"
#include "record/partitioner.h"

namespace sluice::cli {

namespace {

constexpr size_t kMaxBatchRecords = 1000;
constexpr size_t kMaxBatchBytes = 1 << 20;

Bytes ToBytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct PartitionResult {
  int64_t first_offset = -1;
  int64_t last_offset = -1;
  int64_t records = 0;
};

}  // namespace

int RunProduce(const std::vector<std::string>& args) {
  FlagSet flags("sluice produce");
  ConnectionFlags conn;
  AddConnectionFlags(flags, &conn);
  std::string topic;
  std::string key;
  std::string key_separator;
  int64_t partition = -1;
  int64_t acks = -1;
  std::vector<std::pair<std::string, std::string>> headers;
  flags.String("topic", &topic, "", "topic to write to (required)");
  flags.String("key", &key, "", "key of every record (default: no key)");
  flags.String("keySeparator", &key_separator, "",
               "split each line at the first SEP into key and value");
  flags.Int64("partition", &partition, -1, -1, 1 << 30,
              "partition (-1: by key hash like the Java client, round-robin per batch without "
              "a key)");
  flags.Int64("acks", &acks, -1, -1, 1, "acks: -1 (all) or 1; both answer after the commit");
  flags.Custom("header", "key=value", "none", "a header on every record (repeat)",
               [&headers](std::string_view v) { return AppendKeyValue(v, &headers); });
  std::vector<std::string> positional;
  if (auto exit = ParseCommandFlags(flags, args, {},
                                    "Usage: sluice produce -topic T [flags] < records.txt\n"
                                    "Reads one record value per line from stdin.",
                                    &positional)) {
    return *exit;
  }
  if (!positional.empty()) return UsageError("produce takes no arguments (records come on stdin)");
  if (topic.empty()) return UsageError("produce needs -topic");
  if (acks == 0) return UsageError("-acks 0 is not supported: the CLI reports offsets");
  auto client = ConnectWith(conn);
  if (!client.ok()) return Fail(client.status());
  auto partitions = TopicPartitionIds(*client, topic);
  if (!partitions.ok()) return Fail(partitions.status());
  if (partitions->empty()) return Fail(Status::NotFound("topic " + topic + " has no partitions"));
  if (partition >= static_cast<int64_t>(partitions->size())) {
    return Fail(
        Status::NotFound("topic " + topic + " has no partition " + std::to_string(partition)));
  }

  std::vector<RecordHeader> record_headers;
  for (const auto& [k, v] : headers) record_headers.push_back({k, ToBytes(v)});
  std::map<int32_t, std::vector<RecordToBuild>> pending;
  size_t pending_bytes = 0;
  size_t pending_records = 0;
  int32_t round_robin = 0;
  std::map<int32_t, PartitionResult> results;

  auto flush = [&]() -> Status {
    if (pending.empty()) return Status::Ok();
    protocol::ProduceRequest request;
    request.acks = static_cast<int16_t>(acks);
    request.timeout_ms = static_cast<int32_t>(conn.timeout.count() / 1000000);
    protocol::ProduceRequest::TopicProduceData td;
    td.name = topic;
    std::map<int32_t, int64_t> counts;
    for (auto& [p, records] : pending) {
      protocol::ProduceRequest::PartitionProduceData pd;
      pd.index = p;
      pd.records = BuildBatch(BatchBuildOptions{}, records);
      counts[p] = static_cast<int64_t>(records.size());
      td.partition_data.push_back(std::move(pd));
    }
    request.topic_data.push_back(std::move(td));
    pending.clear();
    pending_bytes = 0;
    pending_records = 0;
    // v3+ carries record batches v2.
    SLUICE_ASSIGN_OR_RETURN(auto response, client->Call<protocol::ProduceResponse>(
                                               request, protocol::ProduceRequest::kMaxVersion, 3));
    for (const auto& tr : response.responses) {
      for (const auto& pr : tr.partition_responses) {
        SLUICE_RETURN_IF_ERROR(client::KafkaError(
            pr.error_code, "produce to " + tr.name + " partition " + std::to_string(pr.index),
            pr.error_message));
        PartitionResult& r = results[pr.index];
        if (r.first_offset < 0) r.first_offset = pr.base_offset;
        r.last_offset = pr.base_offset + counts[pr.index] - 1;
        r.records += counts[pr.index];
      }
    }
    return Status::Ok();
  };

  std::string line;
  while (std::getline(std::cin, line)) {
    RecordToBuild record;
    record.timestamp = NowMs();
    record.headers = record_headers;
    std::optional<std::string> record_key;
    if (!key_separator.empty()) {
      size_t at = line.find(key_separator);
      if (at != std::string::npos) {
        record_key = line.substr(0, at);
        line = line.substr(at + key_separator.size());
      }
    } else if (flags.IsSet("key")) {
      record_key = key;
    }
    int32_t target = static_cast<int32_t>(partition);
    if (target < 0 && record_key) {
      Bytes k = ToBytes(*record_key);
      target = (*partitions)[PartitionForKey(k, static_cast<int32_t>(partitions->size()))];
    } else if (target < 0) {
      target = (*partitions)[round_robin % partitions->size()];
    }
    if (record_key) record.key = ToBytes(*record_key);
    pending_bytes += line.size() + (record_key ? record_key->size() : 0);
    record.value = ToBytes(line);
    pending[target].push_back(std::move(record));
    if (++pending_records >= kMaxBatchRecords || pending_bytes >= kMaxBatchBytes) {
      Status st = flush();
      if (!st.ok()) return Fail(st);
      ++round_robin;
    }
  }
  Status st = flush();
  if (!st.ok()) return Fail(st);

  int64_t total = 0;
  Json json_parts = Json::Array();
  Table table({"TOPIC", "PARTITION", "RECORDS", "FIRST-OFFSET", "LAST-OFFSET"});
  for (const auto& [p, r] : results) {
    total += r.records;
    json_parts.Push(Json::Object()
                        .Set("partition", p)
                        .Set("records", r.records)
                        .Set("first_offset", r.first_offset)
                        .Set("last_offset", r.last_offset));
    table.AddRow({topic, std::to_string(p), std::to_string(r.records),
                  std::to_string(r.first_offset), std::to_string(r.last_offset)});
  }
  if (conn.json) {
    std::printf("%s\n", Json::Object()
                            .Set("topic", topic)
                            .Set("records", total)
                            .Set("partitions", std::move(json_parts))
                            .Dump()
                            .c_str());
  } else {
    std::printf("%s", table.Render().c_str());
  }
  return kExitOk;
}

}  // namespace sluice::cli
