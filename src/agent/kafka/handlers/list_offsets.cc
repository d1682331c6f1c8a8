// ListOffsets: earliest (-2), latest (-1), max timestamp (-3) and by timestamp. Timestamp lookups
// find the batch in the index, then the exact record inside it.
#include <algorithm>

#include "agent/kafka/handlers/handlers.h"
#include "record/record_batch.h"

namespace sluice::agent {

namespace {

constexpr int64_t kLatest = -1;
constexpr int64_t kEarliest = -2;
constexpr int64_t kMaxTimestamp = -3;

struct Found {
  int64_t offset = -1;
  int64_t timestamp = -1;
};

// Decodes the batch at `offset` and picks a record: the first with timestamp >= target, or (for
// max timestamp) the first with the largest timestamp. A batch re-encoded by key compaction keeps
// its maxTimestamp (as does the index) while the records that carried it may be gone: then the
// first record at or after `target` is in a later batch, so the search goes on up to `end`.
Task<Result<Found>> FindInBatch(KafkaServices& s, const std::string& topic, int32_t partition,
                                int64_t batch_offset, int64_t target, bool want_max, int64_t end) {
  Found best;
  int64_t at = batch_offset;
  while (at < end) {
    auto bytes = co_await s.reader.ReadBatchAt(topic, partition, at);
    if (!bytes.ok()) co_return bytes.status();
    auto batches = SplitBatches(*bytes);
    if (!batches.ok()) co_return batches.status();
    if (batches->empty()) break;
    int64_t next = at;
    for (const auto& batch : *batches) {
      auto records = DecodeRecords(batch);
      if (!records.ok()) co_return records.status();
      for (const auto& record : *records) {
        if (record.offset < batch_offset) continue;
        if (want_max) {
          if (record.timestamp > best.timestamp) best = {record.offset, record.timestamp};
        } else if (record.timestamp >= target) {
          co_return Found{record.offset, record.timestamp};
        }
      }
      next = std::max(next, batch.header.base_offset + batch.header.last_offset_delta + 1);
    }
    if (want_max || next <= at) break;
    at = next;
  }
  co_return best;
}

}  // namespace

Task<ListOffsetsResponse> HandleListOffsets(KafkaServices& s, RequestContext ctx,
                                            ListOffsetsRequest req) {
  ListOffsetsResponse response;
  for (const auto& topic : req.topics) {
    ListOffsetsResponse::ListOffsetsTopicResponse topic_out;
    topic_out.name = topic.name;
    auto info = co_await s.topics.Get(topic.name);
    for (const auto& p : topic.partitions) {
      ListOffsetsResponse::ListOffsetsPartitionResponse out;
      out.partition_index = p.partition_index;
      Result<PartitionOffsets> offsets = Status::NotFound("unknown topic or partition");
      if (info.ok() && info->has_value()) {
        offsets = co_await s.topics.Offsets(topic.name, p.partition_index);
      }
      if (!info.ok()) {
        out.error_code = Code(ErrorCode::kNotLeaderOrFollower);
      } else if (!offsets.ok()) {
        out.error_code = Code(ErrorCode::kUnknownTopicOrPartition);
      } else {
        out.leader_epoch = 0;
        Found found;
        if (p.timestamp == kLatest) {
          found.offset = offsets->high_watermark;
        } else if (p.timestamp == kEarliest) {
          found.offset = offsets->log_start_offset;
        } else if (p.timestamp == kMaxTimestamp || p.timestamp >= 0) {
          const bool want_max = p.timestamp == kMaxTimestamp;
          // No co_await inside ?: — g++ 12 miscompiles that (double free).
          Result<std::optional<std::pair<int64_t, int64_t>>> batch =
              std::optional<std::pair<int64_t, int64_t>>{};
          if (want_max) {
            batch = co_await s.store.MaxTimestamp(topic.name, p.partition_index);
          } else {
            batch = co_await s.store.OffsetForTimestamp(topic.name, p.partition_index, p.timestamp);
          }
          if (!batch.ok()) {
            out.error_code = Code(ErrorCode::kNotLeaderOrFollower);
          } else if (batch->has_value()) {
            auto exact = co_await FindInBatch(s, topic.name, p.partition_index, (*batch)->first,
                                              p.timestamp, want_max, offsets->high_watermark);
            if (exact.ok()) {
              found = *exact;
            } else {
              out.error_code = Code(ErrorCode::kNotLeaderOrFollower);
            }
          }
        } else {
          out.error_code = Code(ErrorCode::kInvalidRequest);
        }
        out.offset = found.offset;
        out.timestamp = found.timestamp;
        if (ctx.api_version == 0 && out.error_code == 0) out.old_style_offsets = {found.offset};
      }
      topic_out.partitions.push_back(std::move(out));
    }
    response.topics.push_back(std::move(topic_out));
  }
  co_return response;
}

}  // namespace sluice::agent
