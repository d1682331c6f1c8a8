// Fetch: read each partition from its offset through the file cache, honouring max/min bytes and
// long-polling (woken by commits) until min_bytes are there or max_wait passes.
#include <algorithm>
#include <chrono>

#include "agent/kafka/handlers/handlers.h"
#include "record/legacy_down_convert.h"
#include "record/record_batch.h"

namespace sluice::agent {

namespace {

// Fetch v0-3 answer with a legacy message set (docs/ARCHITECTURE.md "Legacy message formats").
Result<Bytes> ToLegacyMessageSet(int16_t version, int64_t fetch_offset, ByteView batches,
                                 uint64_t max_bytes, bool first_in_response) {
  DownConvertOptions options;
  options.magic = LegacyMagicForFetchVersion(version);
  options.fetch_offset = fetch_offset;
  options.max_bytes = max_bytes;
  options.allow_oversized_first = first_in_response;
  return DownConvertBatches(batches, options);
}

// One pass over every requested partition. Returns the bytes gathered.
Task<uint64_t> FetchOnce(KafkaServices& s, int16_t version, const FetchRequest& req,
                         FetchResponse& response, bool& had_error) {
  response.responses.clear();
  uint64_t total = 0;
  const uint64_t max_bytes = req.max_bytes > 0 ? static_cast<uint64_t>(req.max_bytes) : 0;
  for (const auto& topic : req.topics) {
    FetchResponse::FetchableTopicResponse topic_out;
    topic_out.topic = topic.topic;
    auto info = co_await s.topics.Get(topic.topic);
    for (const auto& p : topic.partitions) {
      FetchResponse::PartitionData out;
      out.partition_index = p.partition;
      out.records = Bytes{};
      if (!info.ok()) {
        out.error_code = Code(ErrorCode::kNotLeaderOrFollower);  // retriable; the store is down
      } else if (!info->has_value() || p.partition < 0 || p.partition >= (*info)->num_partitions) {
        out.error_code = Code(ErrorCode::kUnknownTopicOrPartition);
      }
      if (out.error_code == 0) {
        auto offsets = co_await s.topics.Offsets(topic.topic, p.partition);
        if (offsets.ok() && p.fetch_offset > offsets->high_watermark) {
          // Maybe committed through another agent since we last looked: check the store before
          // calling it out of range (which would make the client reset its position).
          offsets = co_await s.topics.Offsets(topic.topic, p.partition, /*fresh=*/true);
        }
        if (!offsets.ok()) {
          out.error_code = Code(ErrorCode::kUnknownTopicOrPartition);
        } else {
          out.high_watermark = offsets->high_watermark;
          out.last_stable_offset = offsets->high_watermark;
          out.log_start_offset = offsets->log_start_offset;
          if (p.fetch_offset < offsets->log_start_offset ||
              p.fetch_offset > offsets->high_watermark) {
            out.error_code = Code(ErrorCode::kOffsetOutOfRange);
          } else if (p.fetch_offset < offsets->high_watermark && total < max_bytes) {
            uint64_t limit =
                std::min<uint64_t>(std::max(p.partition_max_bytes, 0), max_bytes - total);
            auto read = co_await s.reader.Read(topic.topic, p.partition, p.fetch_offset, limit,
                                               /*allow_oversized_first=*/total == 0);
            if (read.ok() && version < 4) {
              auto legacy =
                  ToLegacyMessageSet(version, p.fetch_offset, read->records, limit, total == 0);
              if (!legacy.ok()) {
                out.error_code = Code(ErrorCode::kCorruptMessage);  // a stored batch is damaged
              } else {
                read->records = std::move(*legacy);
              }
            }
            if (!read.ok()) {
              out.error_code = Code(ErrorCode::kNotLeaderOrFollower);  // retriable read failure
            } else if (out.error_code == 0) {
              total += read->records.size();
              out.records = std::move(read->records);
            }
          }
        }
      }
      if (out.error_code != 0) had_error = true;
      topic_out.partitions.push_back(std::move(out));
    }
    response.responses.push_back(std::move(topic_out));
  }
  co_return total;
}

}  // namespace

Task<FetchResponse> HandleFetch(KafkaServices& s, RequestContext ctx, FetchRequest req) {
  using Clock = std::chrono::steady_clock;
  const auto deadline =
      Clock::now() + std::chrono::milliseconds(std::clamp(req.max_wait_ms, 0, 300000));
  const uint64_t min_bytes = static_cast<uint64_t>(std::max(req.min_bytes, 0));
  FetchResponse response;
  while (true) {
    bool had_error = false;
    uint64_t total = co_await FetchOnce(s, ctx.api_version, req, response, had_error);
    if (total >= min_bytes || had_error || Clock::now() >= deadline) {
      break;
    }
    // Sleep until a commit lands anywhere or the wait expires; then read again.
    bool woke = co_await s.topics.commits().WaitUntil(deadline);
    if (!woke) {
      co_await FetchOnce(s, ctx.api_version, req, response, had_error);
      break;
    }
  }
  co_return response;
}

}  // namespace sluice::agent
