#include "agent/topic_cache.h"

#include <algorithm>

namespace sluice::agent {

void MergeStoreOffsets(PartitionOffsets& o, const metadata::PartitionInfo& stored) {
  // Never move backwards: a commit of ours may have landed after the store was read.
  o.high_watermark = std::max(o.high_watermark, stored.high_watermark);
  o.log_start_offset = std::max(o.log_start_offset, stored.log_start_offset);
  // The store's abort offset is exact for its LSO: take it unless we already know a newer LSO.
  if (stored.last_stable_offset >= o.last_stable_offset) {
    o.last_abort_offset = o.last_abort_offset == kUnknownAbortOffset
                              ? stored.last_abort_offset
                              : std::max(o.last_abort_offset, stored.last_abort_offset);
  }
  o.last_stable_offset =
      std::max({o.last_stable_offset, stored.last_stable_offset, o.log_start_offset});
}

void ApplyAdvance(PartitionOffsets& o, const OffsetsAdvance& advance) {
  o.high_watermark = std::max(o.high_watermark, advance.high_watermark);
  o.log_start_offset = std::max(o.log_start_offset, advance.log_start_offset);
  if (!advance.last_abort_offset) {
    if (advance.last_stable_offset > o.last_stable_offset)
      o.last_abort_offset = kUnknownAbortOffset;
  } else if (advance.last_stable_offset >= o.last_stable_offset) {
    // Exact up to its LSO, which covers everything we consider stable.
    o.last_abort_offset = o.last_abort_offset == kUnknownAbortOffset
                              ? *advance.last_abort_offset
                              : std::max(o.last_abort_offset, *advance.last_abort_offset);
  } else if (o.last_abort_offset != kUnknownAbortOffset) {
    o.last_abort_offset = std::max(o.last_abort_offset, *advance.last_abort_offset);
  }
  // The store clamps the LSO to the log start (DeleteRecords may pass an open transaction).
  o.last_stable_offset =
      std::max({o.last_stable_offset, advance.last_stable_offset, o.log_start_offset});
}

TopicCache::TopicCache(asio::any_io_executor executor, metadata::MetadataStore& store,
                       std::chrono::milliseconds ttl)
    : store_(store), ttl_(ttl), commits_(executor) {}

Task<Result<std::optional<metadata::TopicInfo>>> TopicCache::Get(const std::string& name) {
  auto now = std::chrono::steady_clock::now();
  auto it = topics_.find(name);
  if (it != topics_.end() && now - it->second.loaded < ttl_) co_return it->second.topic;
  auto loaded = co_await store_.GetTopic(name);
  Entry entry;
  entry.loaded = now;
  if (loaded.ok()) {
    entry.topic = std::move(loaded).value();
  } else if (loaded.status().code() != StatusCode::kNotFound) {
    co_return loaded.status();
  }
  auto& slot = topics_[name];
  // A topic recreated under the same name has a new id: its cached offsets are stale.
  if (slot.topic && (!entry.topic || slot.topic->id != entry.topic->id)) {
    std::erase_if(offsets_, [&](const auto& kv) { return kv.first.first == name; });
  }
  slot = std::move(entry);
  co_return slot.topic;
}

Task<Result<std::vector<metadata::TopicInfo>>> TopicCache::All() {
  auto listed = co_await store_.ListTopics();
  if (!listed.ok()) co_return listed.status();
  auto now = std::chrono::steady_clock::now();
  for (const auto& topic : *listed) {
    auto& slot = topics_[topic.name];
    if (slot.topic && slot.topic->id != topic.id) {
      std::erase_if(offsets_, [&](const auto& kv) { return kv.first.first == topic.name; });
    }
    slot.topic = topic;
    slot.loaded = now;
  }
  co_return listed;
}

Task<Status> TopicCache::LoadOffsets(const std::string& topic) {
  auto partitions = co_await store_.GetPartitions(topic);
  if (!partitions.ok()) co_return partitions.status();
  const auto now = std::chrono::steady_clock::now();
  for (const auto& p : *partitions) {
    auto& cached = offsets_[{topic, p.partition}];
    MergeStoreOffsets(cached.offsets, p);
    cached.loaded = now;
  }
  co_return Status::Ok();
}

Task<Result<PartitionOffsets>> TopicCache::Offsets(const std::string& topic, int32_t partition,
                                                   bool fresh) {
  auto key = std::make_pair(topic, partition);
  auto it = offsets_.find(key);
  if (!fresh && it != offsets_.end() &&
      std::chrono::steady_clock::now() - it->second.loaded < kOffsetsTtl) {
    co_return it->second.offsets;
  }
  SLUICE_CO_RETURN_IF_ERROR(co_await LoadOffsets(topic));
  it = offsets_.find(key);
  if (it == offsets_.end()) co_return Status::NotFound("unknown topic or partition");
  co_return it->second.offsets;
}

void TopicCache::Advance(const std::string& topic, int32_t partition,
                         const OffsetsAdvance& advance) {
  auto it = offsets_.find({topic, partition});
  // Partitions not yet loaded are read from the store on first use.
  if (it != offsets_.end()) {
    ApplyAdvance(it->second.offsets, advance);
  }
  commits_.Notify();
}

void TopicCache::Invalidate(const std::string& name) {
  topics_.erase(name);
  std::erase_if(offsets_, [&](const auto& kv) { return kv.first.first == name; });
}

}  // namespace sluice::agent
