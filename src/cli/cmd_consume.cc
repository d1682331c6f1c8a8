// `sluice consume`: reads records with Fetch (no group), prints them as text or JSON lines.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>

#include "cli/admin_commands.h"
#include "cli/admin_common.h"
#include "cli/kafka_queries.h"
#include "cli/output.h"
#include "cli/record_format.h"
#include "client/kafka_error.h"
#include "client/records.h"
#include "protocol/messages/fetch.h"

namespace sluice::cli {

namespace {

Json RecordJson(const std::string& topic, int32_t partition, const Record& r) {
  auto text = [](const std::optional<Bytes>& b) {
    return b ? Json(std::string(b->begin(), b->end())) : Json();
  };
  Json headers = Json::Array();
  for (const auto& h : r.headers)
    headers.Push(Json::Object().Set("key", h.key).Set("value", text(h.value)));
  return Json::Object()
      .Set("topic", topic)
      .Set("partition", partition)
      .Set("offset", r.offset)
      .Set("timestamp", r.timestamp)
      .Set("key", text(r.key))
      .Set("value", text(r.value))
      .Set("headers", std::move(headers));
}

}  // namespace

int RunConsume(const std::vector<std::string>& args) {
  using Clock = std::chrono::steady_clock;
  FlagSet flags("sluice consume");
  ConnectionFlags conn;
  AddConnectionFlags(flags, &conn);
  std::string topic;
  std::string format;
  int64_t partition = -1;
  int64_t offset = -1;
  int64_t count = 0;
  bool from_beginning = false;
  bool follow = false;
  bool quiet = false;
  flags.String("topic", &topic, "", "topic to read (required)");
  flags.Int64("partition", &partition, -1, -1, 1 << 30, "only this partition (-1: all)");
  flags.Int64("offset", &offset, -1, -1, INT64_MAX,
              "start at this offset (in every partition read)");
  flags.Bool("from-beginning", &from_beginning, false, "start at the log start (default: the end)");
  flags.Int64("count", &count, 0, 0, INT64_MAX, "stop after this many records (0: no limit)");
  flags.Bool("follow", &follow, false, "keep waiting for new records at the end of the log");
  flags.String("format", &format, "%v",
               "text per record: %t topic, %p partition, %o offset, %k key, %v value, %h headers, "
               "%T timestamp, %% percent (a newline follows each record)");
  flags.Bool("quiet", &quiet, false, "no progress or summary on stderr");
  std::vector<std::string> positional;
  if (auto exit = ParseCommandFlags(
          flags, args, {"from-beginning", "follow", "quiet"},
          "Usage: sluice consume -topic T [-from-beginning|-offset N] [-count N] [flags]\n"
          "Stops at the end of the log unless -count or -follow says otherwise.",
          &positional)) {
    return *exit;
  }
  if (!positional.empty()) return UsageError("consume takes no arguments");
  if (topic.empty()) return UsageError("consume needs -topic");
  if (Status st = ValidateRecordFormat(format); !st.ok()) return UsageError(st.message());
  auto client = ConnectWith(conn);
  if (!client.ok()) return Fail(client.status());
  auto all_partitions = TopicPartitionIds(*client, topic);
  if (!all_partitions.ok()) return Fail(all_partitions.status());
  std::vector<int32_t> partitions;
  for (int32_t p : *all_partitions) {
    if (partition < 0 || p == partition) partitions.push_back(p);
  }
  if (partitions.empty()) {
    return Fail(
        Status::NotFound("topic " + topic + " has no partition " + std::to_string(partition)));
  }
  std::map<int32_t, int64_t> position;
  if (flags.IsSet("offset")) {
    for (int32_t p : partitions) position[p] = offset;
  } else {
    auto start = ListOffsets(*client, topic, partitions,
                             from_beginning ? kEarliestTimestamp : kLatestTimestamp);
    if (!start.ok()) return Fail(start.status());
    position = *start;
  }

  const bool tty = ::isatty(2);
  int64_t consumed = 0;
  auto last_progress = Clock::now();
  auto progress = [&](bool final_line) {
    if (quiet) return;
    if (final_line) {
      std::fprintf(stderr, "%sconsumed %lld records from %s\n", tty ? "\r\033[K" : "",
                   static_cast<long long>(consumed), topic.c_str());
    } else {
      std::fprintf(stderr, "%sconsumed %lld records...%s", tty ? "\r\033[K" : "",
                   static_cast<long long>(consumed), tty ? "" : "\n");
    }
    std::fflush(stderr);
  };
  bool done = false;
  while (!done) {
    protocol::FetchRequest request;
    request.replica_id = -1;
    request.max_wait_ms = 500;
    request.min_bytes = 1;
    request.max_bytes = 16 << 20;
    protocol::FetchRequest::FetchTopic ft;
    ft.topic = topic;
    for (int32_t p : partitions) {
      protocol::FetchRequest::FetchPartition fp;
      fp.partition = p;
      fp.fetch_offset = position[p];
      fp.partition_max_bytes = 1 << 20;
      ft.partitions.push_back(fp);
    }
    request.topics.push_back(std::move(ft));
    // v4+ returns record batches v2; v13 names topics by id only.
    auto response = client->Call<protocol::FetchResponse>(request, 12, 4);
    if (!response.ok()) return Fail(response.status());
    Status top = client::KafkaError(response->error_code, "fetch from " + topic);
    if (!top.ok()) return Fail(top);
    bool at_end = true;
    for (const auto& rt : response->responses) {
      for (const auto& rp : rt.partitions) {
        Status st = client::KafkaError(
            rp.error_code, "fetch " + topic + " partition " + std::to_string(rp.partition_index) +
                               " at offset " + std::to_string(position[rp.partition_index]));
        if (!st.ok()) return Fail(st);
        int64_t& pos = position[rp.partition_index];
        if (rp.records) {
          int64_t next = pos;
          auto records = client::DecodeFetchedRecords(*rp.records, pos, &next);
          if (!records.ok()) return Fail(records.status());
          for (const Record& r : *records) {
            if (conn.json) {
              std::printf("%s\n", RecordJson(topic, rp.partition_index, r).Dump().c_str());
            } else {
              std::printf("%s\n", FormatRecord(format, topic, rp.partition_index, r).c_str());
            }
            if (++consumed == count) {
              done = true;
              break;
            }
          }
          pos = std::max(pos, next);
        }
        if (pos < rp.high_watermark) at_end = false;
        if (done) break;
      }
      if (done) break;
    }
    std::fflush(stdout);
    if (!done && at_end && count == 0 && !follow) done = true;
    if (!done && Clock::now() - last_progress > std::chrono::seconds(1)) {
      progress(false);
      last_progress = Clock::now();
    }
  }
  progress(true);
  return kExitOk;
}

}  // namespace sluice::cli
