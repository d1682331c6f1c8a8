#include "jobs/compaction.h"

#include <limits>
#include <map>
#include <optional>
#include <set>

#include "jobs/key_compaction.h"
#include "record/record_batch.h"
#include "storage/segment_format.h"

namespace sluice::jobs {

std::string CompactionOutputKey(const std::string& prefix, const std::string& output_object_id,
                                int32_t attempt) {
  return prefix + output_object_id + "." + std::to_string(attempt);
}

Task<Result<CompactionStats>> RunCompaction(const CompactionJob& job, int32_t attempt,
                                            const std::string& key_prefix,
                                            metadata::MetadataStore& store,
                                            storage::ObjectStore& objects, int64_t now_ms) {
  CompactionStats stats;
  stats.inputs = static_cast<int32_t>(job.inputs.size());
  // A retry after a swap that committed (or another worker's) has nothing left to do.
  auto existing = co_await store.GetObject(job.output_object_id);
  if (!existing.ok()) co_return existing.status();
  if (existing->has_value()) {
    stats.already_committed = true;
    co_return stats;
  }

  std::vector<std::string> ids;
  std::map<std::string, std::string> key_of;
  for (const auto& in : job.inputs) {
    ids.push_back(in.object_id);
    key_of[in.object_id] = in.object_key;
  }
  auto chunks = co_await store.ListObjectChunks(ids);
  if (!chunks.ok()) co_return chunks.status();

  // Read every input that still has indexed chunks, whole: inputs are small (flush-sized or
  // below the target size) and one GET per object is the cheapest way to read all of it.
  std::map<std::string, Bytes> bodies;
  for (const auto& c : *chunks) {
    if (bodies.contains(c.object_id)) continue;
    auto body = co_await objects.Get(key_of[c.object_id], 0, std::numeric_limits<uint64_t>::max());
    if (!body.ok()) {
      co_return Status(body.status().code(),
                       "compaction input " + c.object_id + ": " + body.status().message());
    }
    bodies.emplace(c.object_id, std::move(body).value());
  }

  // Compacted topics (and their partitions' offsets) among the inputs.
  std::map<std::string, std::optional<int64_t>> delete_retention;  // topic -> nullopt: plain
  std::map<std::pair<std::string, int32_t>, metadata::PartitionInfo> partition_info;
  for (const auto& c : *chunks) {
    if (delete_retention.contains(c.topic)) continue;
    auto topic = co_await store.GetTopic(c.topic);
    if (!topic.ok() && topic.status().code() != StatusCode::kNotFound) co_return topic.status();
    std::optional<int64_t> retention;
    if (topic.ok()) {
      auto policy = TopicDeleteRetention(topic->configs);
      if (!policy.ok()) co_return policy.status();
      retention = *policy;
    }
    if (retention) {
      auto parts = co_await store.GetPartitions(c.topic);
      if (!parts.ok()) co_return parts.status();
      for (const auto& p : *parts) partition_info[{c.topic, p.partition}] = p;
    }
    delete_retention[c.topic] = retention;
  }
  std::set<std::string> input_keys;
  for (const auto& in : job.inputs) input_keys.insert(in.object_key);

  SegmentWriter writer;
  metadata::CompactionCommit commit;
  commit.output_object_id = job.output_object_id;
  commit.output_object_key = CompactionOutputKey(key_prefix, job.output_object_id, attempt);
  commit.output_level = job.output_level;
  commit.input_object_ids = ids;
  const auto& all = *chunks;  // sorted by (topic, partition, base offset)
  for (size_t first = 0; first < all.size();) {
    size_t last = first;  // [first, last): one partition
    while (last < all.size() && all[last].topic == all[first].topic &&
           all[last].partition == all[first].partition) {
      ++last;
    }
    std::vector<PartitionBatch> batches;
    for (size_t i = first; i < last; ++i) {
      const auto& c = all[i];
      const Bytes& body = bodies[c.object_id];
      if (c.byte_offset > body.size() || c.byte_length > body.size() - c.byte_offset) {
        co_return Status::Corruption("chunk of " + c.object_id + " lies outside the object");
      }
      auto parsed = ParseBatch(ByteView(body.data() + c.byte_offset, c.byte_length));
      if (!parsed.ok()) {
        co_return Status::Corruption("chunk of " + c.object_id + ": " + parsed.status().message());
      }
      batches.push_back({c.base_offset, c.offset_count, *parsed});
    }
    std::vector<BatchVerdict> verdicts(batches.size());
    const std::optional<int64_t>& retention = delete_retention[all[first].topic];
    auto info = partition_info.find({all[first].topic, all[first].partition});
    if (retention && info != partition_info.end()) {
      KeyCompactionContext context;
      context.now_ms = now_ms;
      context.delete_retention_ms = *retention;
      context.high_watermark = info->second.high_watermark;
      auto cover = co_await InputsCoverBelow(store, all[first].topic, info->second, input_keys);
      if (!cover.ok()) co_return cover.status();
      context.inputs_cover_below = *cover;
      auto decided = CompactPartitionKeys(batches, context);
      if (!decided.ok()) {
        co_return Status(decided.status().code(), "key compaction of " + all[first].topic + "-" +
                                                      std::to_string(all[first].partition) + ": " +
                                                      decided.status().message());
      }
      verdicts = std::move(decided).value();
    }
    for (size_t i = first; i < last; ++i) {
      const auto& c = all[i];
      BatchVerdict& verdict = verdicts[i - first];
      stats.records_dropped += verdict.records_dropped;
      if (verdict.action == BatchVerdict::Action::kDrop) {
        commit.dropped_chunks.push_back({c.object_id, c.topic, c.partition, c.base_offset});
        stats.batches_dropped++;
        continue;
      }
      metadata::MovedChunk moved;
      BatchView batch = batches[i - first].batch;
      if (verdict.action == BatchVerdict::Action::kRewrite) {
        auto parsed = ParseBatch(verdict.rewritten);
        if (!parsed.ok()) co_return parsed.status();
        batch = *parsed;
        moved.record_count = verdict.record_count;
        stats.batches_rewritten++;
      }
      writer.AddChunk(ChunkMetaForBatch(c.topic, c.partition, batch.header), batch.bytes);
      const ChunkMeta& placed = writer.chunks().back();
      moved.source_object_id = c.object_id;
      moved.topic = c.topic;
      moved.partition = c.partition;
      moved.base_offset = c.base_offset;
      moved.byte_offset = placed.byte_offset;
      moved.byte_length = placed.byte_length;
      commit.chunks.push_back(std::move(moved));
    }
    first = last;
  }

  if (!commit.chunks.empty()) {
    Bytes object = writer.Finish(job.output_object_id, job.output_level);
    commit.output_size = object.size();
    stats.output_bytes = object.size();
    Status put = co_await objects.Put(commit.output_object_key, std::move(object));
    if (!put.ok()) co_return put;
  }
  auto outcome = co_await store.CommitCompaction(commit, now_ms);
  if (!outcome.ok()) co_return outcome.status();
  stats.chunks_moved = outcome->chunks_moved;
  stats.already_committed = outcome->already_committed;
  if (outcome->already_committed && outcome->committed_key != commit.output_object_key &&
      !commit.chunks.empty()) {
    // Another attempt won the swap: ours is garbage nobody references.
    std::vector<std::string> ours{commit.output_object_key};
    (void)co_await objects.Delete(std::move(ours));
  }
  co_return stats;
}

}  // namespace sluice::jobs
