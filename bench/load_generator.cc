// sluice_loadgen: a Kafka load generator built on librdkafka, used by scripts/bench.sh.
//
//   sluice_loadgen produce --brokers H:P --topic T [--messages N] [--size BYTES]
//                  [--partitions P] [--acks all|1|0] [--linger-ms MS] [--compression none|zstd|...]
//                  [--rate MSGS_PER_S]
//   sluice_loadgen consume --brokers H:P --topic T [--timeout-s S]
//
// `produce` creates the topic (admin API; an existing topic is fine), sends N messages round-robin
// over the partitions and records, per message, the time from produce() to its delivery report.
// Without
// --rate it sends as fast as the client queue allows, so latency includes client-side queueing;
// with
// --rate it paces sends, which measures the broker's latency at a load it can keep up with.
// `consume` assign()s every partition from the beginning and reads up to the high watermarks it saw
// at start. Both print one JSON object on stdout; diagnostics go to stderr. Exit code 0 means every
// message was delivered (produce) or read (consume).
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string mode;
  std::string brokers = "127.0.0.1:9092";
  std::string topic = "sluice-bench";
  int64_t messages = 200000;
  int64_t size = 1024;
  int partitions = 16;
  std::string acks = "all";
  int linger_ms = 5;
  std::string compression = "none";
  int timeout_s = 120;
  int64_t rate = 0;  // messages per second; 0 = unpaced
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "error: %s\n"
               "usage: sluice_loadgen produce|consume --brokers H:P --topic T [--messages N]\n"
               "       [--size BYTES] [--partitions P] [--acks all|1|0] [--linger-ms MS]\n"
               "       [--compression none|gzip|snappy|lz4|zstd] [--timeout-s S] [--rate N]\n",
               why);
  std::exit(2);
}

int64_t ParsePositive(const char* flag, const char* text) {
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v <= 0) {
    std::fprintf(stderr, "error: %s needs a positive integer, got '%s'\n", flag, text);
    std::exit(2);
  }
  return v;
}

Options ParseOptions(int argc, char** argv) {
  if (argc < 2) Usage("missing mode");
  Options o;
  o.mode = argv[1];
  if (o.mode != "produce" && o.mode != "consume") Usage("mode must be produce or consume");
  for (int i = 2; i < argc; i += 2) {
    std::string flag = argv[i];
    if (i + 1 >= argc) Usage(("missing value for " + flag).c_str());
    const char* v = argv[i + 1];
    if (flag == "--brokers")
      o.brokers = v;
    else if (flag == "--topic")
      o.topic = v;
    else if (flag == "--messages")
      o.messages = ParsePositive("--messages", v);
    else if (flag == "--size")
      o.size = ParsePositive("--size", v);
    else if (flag == "--partitions")
      o.partitions = static_cast<int>(std::min<int64_t>(ParsePositive("--partitions", v), 1 << 30));
    else if (flag == "--acks")
      o.acks = v;
    else if (flag == "--linger-ms")
      o.linger_ms = std::atoi(v);
    else if (flag == "--compression")
      o.compression = v;
    else if (flag == "--rate")
      o.rate = ParsePositive("--rate", v);
    else if (flag == "--timeout-s")
      o.timeout_s = static_cast<int>(ParsePositive("--timeout-s", v));
    else
      Usage(("unknown flag " + flag).c_str());
  }
  if (o.partitions > 100000) Usage("--partitions too large");
  return o;
}

bool Set(rd_kafka_conf_t* conf, const char* key, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key, value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    std::fprintf(stderr, "config %s=%s: %s\n", key, value.c_str(), err);
    return false;
  }
  return true;
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double Percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t idx = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(idx, sorted.size() - 1)];
}

// Creates the topic; "already exists" counts as success so reruns work.
bool CreateTopic(rd_kafka_t* rk, const Options& o) {
  char err[512];
  rd_kafka_NewTopic_t* nt =
      rd_kafka_NewTopic_new(o.topic.c_str(), o.partitions, 1, err, sizeof err);
  if (nt == nullptr) {
    std::fprintf(stderr, "NewTopic: %s\n", err);
    return false;
  }
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &nt, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  bool ok = false;
  if (ev == nullptr) {
    std::fprintf(stderr, "CreateTopics: no answer in 30 s\n");
  } else if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::fprintf(stderr, "CreateTopics: %s\n", rd_kafka_event_error_string(ev));
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** res =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    ok = n == 1;
    for (size_t i = 0; i < n; ++i) {
      rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        std::fprintf(stderr, "CreateTopics %s: %s\n", rd_kafka_topic_result_name(res[i]),
                     rd_kafka_err2str(e));
        ok = false;
      }
    }
  }
  if (ev != nullptr) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(nt);
  return ok;
}

struct ProduceState {
  std::vector<Clock::time_point> sent_at;
  std::vector<double> latency_ms;
  int64_t delivered = 0;
  int64_t failed = 0;
  Clock::time_point last_delivery;
  std::map<std::string, int64_t> errors;
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* st = static_cast<ProduceState*>(opaque);
  auto now = Clock::now();
  st->last_delivery = now;
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++st->failed;
    ++st->errors[rd_kafka_err2str(m->err)];
    return;
  }
  size_t index = reinterpret_cast<uintptr_t>(m->_private);
  ++st->delivered;
  st->latency_ms.push_back(
      std::chrono::duration<double, std::milli>(now - st->sent_at[index]).count());
}

int RunProduce(const Options& o) {
  ProduceState st;
  st.sent_at.resize(static_cast<size_t>(o.messages));
  st.latency_ms.reserve(static_cast<size_t>(o.messages));

  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  bool ok = Set(conf, "bootstrap.servers", o.brokers) && Set(conf, "acks", o.acks) &&
            Set(conf, "linger.ms", std::to_string(o.linger_ms)) &&
            Set(conf, "compression.type", o.compression) &&
            Set(conf, "client.id", "sluice-loadgen");
  if (!ok) return 2;
  rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
  rd_kafka_conf_set_opaque(conf, &st);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) {
    std::fprintf(stderr, "rd_kafka_new: %s\n", err);
    return 2;
  }
  if (!CreateTopic(rk, o)) {
    rd_kafka_destroy(rk);
    return 1;
  }
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, o.topic.c_str(), nullptr);

  std::vector<char> payload(static_cast<size_t>(o.size));
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>('a' + i % 26);

  int64_t queue_full_waits = 0;
  auto start = Clock::now();
  for (int64_t i = 0; i < o.messages; ++i) {
    int32_t partition = static_cast<int32_t>(i % o.partitions);
    if (o.rate > 0) {
      auto due = start + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(static_cast<double>(i) / o.rate));
      while (Clock::now() < due) rd_kafka_poll(rk, 1);
    }
    for (;;) {
      st.sent_at[static_cast<size_t>(i)] = Clock::now();
      // No copy flag: the payload buffer outlives the producer.
      if (rd_kafka_produce(rkt, partition, 0, payload.data(), payload.size(), nullptr, 0,
                           reinterpret_cast<void*>(static_cast<uintptr_t>(i))) == 0) {
        break;
      }
      rd_kafka_resp_err_t e = rd_kafka_last_error();
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        std::fprintf(stderr, "produce: %s\n", rd_kafka_err2str(e));
        rd_kafka_topic_destroy(rkt);
        rd_kafka_destroy(rk);
        return 1;
      }
      ++queue_full_waits;
      rd_kafka_poll(rk, 10);
    }
    rd_kafka_poll(rk, 0);
  }
  auto deadline = Clock::now() + std::chrono::seconds(o.timeout_s);
  while (st.delivered + st.failed < o.messages && Clock::now() < deadline) rd_kafka_poll(rk, 50);
  auto end = st.last_delivery > start ? st.last_delivery : Clock::now();
  int64_t undelivered = o.messages - st.delivered - st.failed;

  std::sort(st.latency_ms.begin(), st.latency_ms.end());
  double seconds = Seconds(end - start);
  double bytes = static_cast<double>(st.delivered) * static_cast<double>(o.size);
  std::printf(
      "{\"mode\":\"produce\",\"messages\":%lld,\"delivered\":%lld,\"failed\":%lld,"
      "\"undelivered\":%lld,\"message_size\":%lld,\"partitions\":%d,\"acks\":\"%s\",\"rate\":%lld,"
      "\"bytes\":%.0f,\"seconds\":%.3f,\"mb_per_s\":%.2f,\"msgs_per_s\":%.0f,"
      "\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f,\"queue_full_waits\":%lld",
      static_cast<long long>(o.messages), static_cast<long long>(st.delivered),
      static_cast<long long>(st.failed), static_cast<long long>(undelivered),
      static_cast<long long>(o.size), o.partitions, o.acks.c_str(), static_cast<long long>(o.rate),
      bytes, seconds, seconds > 0 ? bytes / 1e6 / seconds : 0.0,
      seconds > 0 ? static_cast<double>(st.delivered) / seconds : 0.0,
      Percentile(st.latency_ms, 0.50), Percentile(st.latency_ms, 0.99),
      st.latency_ms.empty() ? 0.0 : st.latency_ms.back(), static_cast<long long>(queue_full_waits));
  std::printf(",\"errors\":{");
  bool first = true;
  for (const auto& [what, count] : st.errors) {
    std::printf("%s\"%s\":%lld", first ? "" : ",", what.c_str(), static_cast<long long>(count));
    first = false;
  }
  std::printf("}}\n");

  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  return (st.failed == 0 && undelivered == 0) ? 0 : 1;
}

int RunConsume(const Options& o) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // A group id is needed by librdkafka's consumer; offsets are never committed (assign(), no
  // commit).
  bool ok = Set(conf, "bootstrap.servers", o.brokers) && Set(conf, "group.id", "sluice-loadgen") &&
            Set(conf, "enable.auto.commit", "false") && Set(conf, "client.id", "sluice-loadgen") &&
            Set(conf, "enable.partition.eof", "true");
  if (!ok) return 2;
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (rk == nullptr) {
    std::fprintf(stderr, "rd_kafka_new: %s\n", err);
    return 2;
  }
  rd_kafka_poll_set_consumer(rk);

  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, o.topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
  rd_kafka_topic_destroy(rkt);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR || md->topic_cnt != 1 || md->topics[0].err) {
    std::fprintf(stderr, "metadata for %s: %s\n", o.topic.c_str(),
                 rd_kafka_err2str(e ? e : (md->topic_cnt ? md->topics[0].err : e)));
    if (md) rd_kafka_metadata_destroy(md);
    rd_kafka_destroy(rk);
    return 1;
  }
  std::vector<int32_t> partitions;
  for (int i = 0; i < md->topics[0].partition_cnt; ++i) {
    partitions.push_back(md->topics[0].partitions[i].id);
  }
  rd_kafka_metadata_destroy(md);

  // The end of each partition as seen now; the consumer reads up to here.
  std::map<int32_t, int64_t> high;
  int64_t expected = 0;
  for (int32_t p : partitions) {
    int64_t lo = 0, hi = 0;
    e = rd_kafka_query_watermark_offsets(rk, o.topic.c_str(), p, &lo, &hi, 10000);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::fprintf(stderr, "watermarks %s[%d]: %s\n", o.topic.c_str(), p, rd_kafka_err2str(e));
      rd_kafka_destroy(rk);
      return 1;
    }
    high[p] = hi;
    expected += hi - lo;
  }

  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()));
  for (int32_t p : partitions) {
    if (high[p] > 0) {
      rd_kafka_topic_partition_list_add(list, o.topic.c_str(), p)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
    }
  }
  size_t pending = static_cast<size_t>(list->cnt);
  auto start = Clock::now();
  rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);

  int64_t messages = 0, bytes = 0, errors = 0;
  std::map<int32_t, bool> done;
  auto deadline = start + std::chrono::seconds(o.timeout_s);
  while (pending > 0 && Clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      // EOF alone is not completion: data may have arrived after the watermark query; the
      // offset check below decides.
    } else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++errors;
      std::fprintf(stderr, "consume: %s\n", rd_kafka_message_errstr(m));
    } else {
      ++messages;
      bytes += static_cast<int64_t>(m->len);
    }
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR || m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      int32_t p = m->partition;
      int64_t next = m->err ? m->offset : m->offset + 1;
      if (!done[p] && next >= high[p]) {
        done[p] = true;
        --pending;
      }
    }
    rd_kafka_message_destroy(m);
  }
  double seconds = Seconds(Clock::now() - start);
  std::printf(
      "{\"mode\":\"consume\",\"partitions\":%zu,\"expected\":%lld,\"messages\":%lld,"
      "\"bytes\":%lld,\"seconds\":%.3f,\"mb_per_s\":%.2f,\"msgs_per_s\":%.0f,\"errors\":%lld,"
      "\"complete\":%s}\n",
      partitions.size(), static_cast<long long>(expected), static_cast<long long>(messages),
      static_cast<long long>(bytes), seconds,
      seconds > 0 ? static_cast<double>(bytes) / 1e6 / seconds : 0.0,
      seconds > 0 ? static_cast<double>(messages) / seconds : 0.0, static_cast<long long>(errors),
      pending == 0 ? "true" : "false");
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return pending == 0 && messages >= expected ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = ParseOptions(argc, argv);
  return o.mode == "produce" ? RunProduce(o) : RunConsume(o);
}
