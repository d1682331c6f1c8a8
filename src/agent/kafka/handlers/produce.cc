// Produce: validate every batch, hand the valid ones to the batcher in one Append (so a request's
// partitions land in the same object), and answer only after the commit.
#include <charconv>

#include "agent/backlog/backlog_monitor.h"
#include "agent/kafka/handlers/handlers.h"
#include "record/legacy_message_set.h"
#include "record/record_batch.h"

namespace sluice::agent {

namespace {

// From this Produce version on, clients wait throttle_time_ms themselves (KIP-219).
constexpr int16_t kClientSideThrottleVersion = 6;

struct PartitionSlot {
  size_t topic_index = 0;
  int32_t partition = 0;
  int16_t error_code = 0;
  std::string error_message;
  size_t first_chunk = 0;  // into the request's chunk list
  size_t chunk_count = 0;
  int64_t log_append_time_ms = -1;  // set for topics with message.timestamp.type=LogAppendTime
};

// The broker time stamped into a LogAppendTime topic's batches, or nullopt for CreateTime. The
// time is taken at admission, before the object is written, because objects are immutable.
std::optional<int64_t> LogAppendTime(const KafkaServices& s, const metadata::TopicInfo& topic) {
  auto it = topic.configs.find("message.timestamp.type");
  if (it == topic.configs.end() || it->second != "LogAppendTime") return std::nullopt;
  return s.clock.NowMs();
}

int32_t MaxMessageBytes(const KafkaServices& s, const metadata::TopicInfo& topic) {
  auto it = topic.configs.find("max.message.bytes");
  if (it == topic.configs.end()) return s.settings.max_message_bytes;
  int32_t value = 0;
  auto [ptr, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
  return ec == std::errc() ? value : s.settings.max_message_bytes;
}

// Transactional produce stays refused (TRANSACTIONAL_ID_AUTHORIZATION_FAILED, as before) until the
// SQLite commit enforces the transaction checks the PostgreSQL one has (design-transactions §6)
// and the read path honours the LSO; the transaction APIs are not advertised meanwhile.
constexpr bool kTransactionalProduceReady = false;

// Validates one partition's records and appends its chunks; returns the Kafka error code.
int16_t CollectChunks(const KafkaServices& s, const metadata::TopicInfo& topic, int32_t partition,
                      int16_t version, bool has_transactional_id,
                      const std::optional<Bytes>& records, std::optional<int64_t> append_time,
                      std::vector<PendingChunk>& chunks, std::string& message) {
  if (!records || records->empty()) {
    message = "no record batches";
    return Code(ErrorCode::kCorruptMessage);
  }
  if (records->size() > static_cast<size_t>(MaxMessageBytes(s, topic))) {
    message = "record batch larger than max.message.bytes";
    return Code(ErrorCode::kMessageTooLarge);
  }
  ValidationOptions options;
  // Produce v0-2 carry a legacy message set (magic 0/1): up-converted into one v2 batch, which
  // then goes through the same checks (docs/ARCHITECTURE.md "Legacy message formats").
  ByteView input = *records;
  Bytes converted;
  if (version < 3) {
    auto legacy = ConvertLegacyMessageSet(*records, append_time.value_or(s.clock.NowMs()),
                                          options.max_decompressed_bytes);
    if (!legacy.ok()) {
      message = legacy.status().message();
      return Code(ErrorCode::kCorruptMessage);
    }
    converted = std::move(legacy->batch);
    input = converted;
  }
  auto batches = SplitBatches(input);
  if (!batches.ok()) {
    message = batches.status().message();
    return Code(ErrorCode::kCorruptMessage);
  }
  // Compacted topics need a key on every record (Kafka: INVALID_RECORD).
  auto policy = topic.configs.find("cleanup.policy");
  options.require_keys =
      policy != topic.configs.end() && policy->second.find("compact") != std::string::npos;
  std::vector<PendingChunk> out;
  for (const auto& batch : *batches) {
    RecordError error = RecordError::kNone;
    Status valid = ValidateBatch(batch, options, &error);
    if (!valid.ok()) {
      message = valid.message();
      return KafkaErrorCode(error);
    }
    // Control batches were refused by ValidateBatch (INVALID_RECORD, as Kafka). A transactional
    // batch needs the request's transactional id (Kafka: TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
    // and a producer id; a request with a transactional id carries only transactional batches.
    // The store checks the transaction itself (state, epoch, partition added) in the commit.
    if (batch.header.is_transactional() && !has_transactional_id) {
      message = "a transactional batch needs the request's transactional_id";
      return Code(ErrorCode::kTransactionalIdAuthorizationFailed);
    }
    if (batch.header.is_transactional() != has_transactional_id ||
        (has_transactional_id && batch.header.producer_id < 0)) {
      message = "with a transactional_id every batch must be transactional with a producer id";
      return Code(ErrorCode::kInvalidRecord);
    }
    PendingChunk chunk;
    chunk.topic = topic.name;
    chunk.partition = partition;
    chunk.batch.assign(batch.bytes.begin(), batch.bytes.end());
    chunk.record_count = batch.header.record_count;
    chunk.last_offset_delta = batch.header.last_offset_delta;
    chunk.first_timestamp = batch.header.base_timestamp;
    chunk.max_timestamp = batch.header.max_timestamp;
    if (append_time) {
      StampLogAppendTime(chunk.batch, *append_time);
      chunk.first_timestamp = *append_time;
      chunk.max_timestamp = *append_time;
    }
    chunk.producer_id = batch.header.producer_id;
    chunk.producer_epoch = batch.header.producer_epoch;
    chunk.base_sequence = batch.header.base_sequence;
    chunk.transactional = batch.header.is_transactional();
    out.push_back(std::move(chunk));
  }
  for (auto& chunk : out) chunks.push_back(std::move(chunk));
  return 0;
}

ProduceResponse BuildResponse(const ProduceRequest& req, const std::vector<PartitionSlot>& slots,
                              const std::vector<metadata::ChunkOutcome>* outcomes) {
  ProduceResponse response;
  for (const auto& topic : req.topic_data) {
    ProduceResponse::TopicProduceResponse t;
    t.name = topic.name;
    response.responses.push_back(std::move(t));
  }
  for (const auto& slot : slots) {
    ProduceResponse::PartitionProduceResponse p;
    p.index = slot.partition;
    p.error_code = slot.error_code;
    p.base_offset = -1;
    p.log_append_time_ms = -1;
    p.log_start_offset = -1;
    if (slot.error_code == 0 && outcomes) {
      // A partition's first batch gives its base offset; any failed batch fails the partition.
      for (size_t i = 0; i < slot.chunk_count; ++i) {
        const auto& outcome = (*outcomes)[slot.first_chunk + i];
        if (outcome.error_code != 0) {
          p.error_code = outcome.error_code;
          p.base_offset = -1;
          break;
        }
        if (i == 0) {
          p.base_offset = outcome.base_offset;
          p.log_start_offset = outcome.log_start_offset;
          p.log_append_time_ms = slot.log_append_time_ms;
        }
      }
    }
    if (!slot.error_message.empty() && p.error_code != 0) p.error_message = slot.error_message;
    response.responses[slot.topic_index].partition_responses.push_back(std::move(p));
  }
  return response;
}

}  // namespace

Task<Result<network::ResponseTask>> AdmitProduce(KafkaServices& s, RequestContext ctx,
                                                 ProduceRequest req) {
  std::vector<PartitionSlot> slots;
  std::vector<PendingChunk> chunks;
  const bool acks_valid = req.acks == 0 || req.acks == 1 || req.acks == -1;
  // Compaction far behind (docs/jobs.md "Backlog"): refuse before anything is buffered, with an
  // error every client retries, or hold the answer a while.
  const BacklogDecision backlog = s.backlog ? s.backlog->Admit() : BacklogDecision{};
  if (backlog.throttle.count() > 0 && ctx.connection &&
      (ctx.api_version >= kClientSideThrottleVersion || req.acks == 0)) {
    // Answers that are not held (KIP-219, or acks=0 with no answer at all) still slow the
    // client: its connection reads nothing more for the throttle time.
    ctx.connection->PauseReadsUntil(std::chrono::steady_clock::now() + backlog.throttle);
  }

  for (size_t ti = 0; ti < req.topic_data.size(); ++ti) {
    const auto& topic_data = req.topic_data[ti];
    std::optional<metadata::TopicInfo> topic;
    int16_t topic_error = 0;
    if (!acks_valid) {
      topic_error = Code(ErrorCode::kInvalidRequiredAcks);
    } else if (req.transactional_id.has_value() && !kTransactionalProduceReady) {
      topic_error = Code(ErrorCode::kTransactionalIdAuthorizationFailed);
    } else {
      auto found = co_await s.topics.Get(topic_data.name);
      if (!found.ok()) {
        topic_error = Code(ErrorCode::kRequestTimedOut);  // store unavailable: retriable
      } else if (!found->has_value()) {
        topic_error = Code(ErrorCode::kUnknownTopicOrPartition);
      } else {
        topic = **found;
      }
    }
    for (const auto& partition_data : topic_data.partition_data) {
      PartitionSlot slot;
      slot.topic_index = ti;
      slot.partition = partition_data.index;
      slot.error_code = topic_error;
      if (slot.error_code == 0 &&
          (partition_data.index < 0 || partition_data.index >= topic->num_partitions)) {
        slot.error_code = Code(ErrorCode::kUnknownTopicOrPartition);
      }
      if (slot.error_code == 0 && backlog.refused()) {
        slot.error_code = Code(ErrorCode::kNotEnoughReplicas);
        slot.error_message = backlog.message;
      }
      if (slot.error_code == 0) {
        slot.first_chunk = chunks.size();
        auto append_time = LogAppendTime(s, *topic);
        slot.log_append_time_ms = append_time.value_or(-1);
        slot.error_code = CollectChunks(s, *topic, partition_data.index, ctx.api_version,
                                        req.transactional_id.has_value(), partition_data.records,
                                        append_time, chunks, slot.error_message);
        slot.chunk_count = chunks.size() - slot.first_chunk;
      }
      slots.push_back(std::move(slot));
    }
  }

  // The batch bytes now live in `chunks`; drop the request's copy before waiting for the commit.
  for (auto& topic_data : req.topic_data) {
    for (auto& partition_data : topic_data.partition_data) partition_data.records.reset();
  }
  auto done = s.batcher.Append(std::move(chunks));
  if (req.acks == 0) {
    co_return []() -> network::ResponseTask { co_return std::nullopt; }();
  }
  co_return [](RequestContext ctx, ProduceRequest req, std::vector<PartitionSlot> slots,
               std::shared_ptr<OneShot<AppendOutcome>> done,
               std::chrono::milliseconds throttle) -> network::ResponseTask {
    AppendOutcome outcome = co_await done->Wait();
    if (!outcome.ok()) {
      for (auto& slot : slots) {
        if (slot.error_code == 0) slot.error_code = Code(ErrorCode::kRequestTimedOut);
      }
    }
    ProduceResponse response = BuildResponse(req, slots, outcome.ok() ? &*outcome : nullptr);
    if (throttle.count() > 0 && ctx.api_version < kClientSideThrottleVersion) {
      // Throttled, before KIP-219: the answer is held and says how long, as Kafka does.
      response.throttle_time_ms = static_cast<int32_t>(throttle.count());
      asio::steady_timer hold(co_await asio::this_coro::executor, throttle);
      boost::system::error_code ec;
      co_await hold.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    } else if (throttle.count() > 0) {
      // KIP-219: answered at once; the client waits throttle_time_ms itself and the connection
      // reads nothing more meanwhile (paused at admission), as Kafka mutes the channel.
      response.throttle_time_ms = static_cast<int32_t>(throttle.count());
    }
    co_return EncodeResponse(ctx, response);
  }(ctx, std::move(req), std::move(slots), std::move(done), backlog.throttle);
}

}  // namespace sluice::agent
