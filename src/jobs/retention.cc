#include "jobs/retention.h"

#include <charconv>
#include <limits>

namespace sluice::jobs {

namespace {

Result<int64_t> ParseLimit(const metadata::ConfigMap& configs, const std::string& name,
                           int64_t fallback) {
  auto it = configs.find(name);
  if (it == configs.end()) return fallback;
  int64_t value = 0;
  const std::string& s = it->second;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || value < -1) {
    return Status::InvalidArgument("topic config " + name + "='" + s + "' is not a limit");
  }
  return value;
}

}  // namespace

Result<std::optional<RetentionLimits>> TopicRetention(const metadata::ConfigMap& configs,
                                                      const JobsOptions& options) {
  auto policy = configs.find("cleanup.policy");
  if (policy != configs.end() && policy->second.find("delete") == std::string::npos) {
    return std::optional<RetentionLimits>();
  }
  RetentionLimits limits;
  SLUICE_ASSIGN_OR_RETURN(limits.retention_ms,
                          ParseLimit(configs, "retention.ms", options.default_retention_ms));
  SLUICE_ASSIGN_OR_RETURN(limits.retention_bytes,
                          ParseLimit(configs, "retention.bytes", options.default_retention_bytes));
  return std::optional<RetentionLimits>(limits);
}

std::optional<int64_t> RetentionCut(const std::vector<metadata::IndexedChunk>& chunks,
                                    int64_t high_watermark, const RetentionLimits& limits,
                                    int64_t now_ms) {
  size_t drop = 0;  // chunks[0, drop) expire
  if (limits.retention_ms >= 0) {
    const int64_t cutoff = now_ms - limits.retention_ms;
    while (drop < chunks.size() && chunks[drop].max_timestamp < cutoff) ++drop;
  }
  if (limits.retention_bytes >= 0) {
    uint64_t total = 0;
    for (const auto& c : chunks) total += c.byte_length;
    uint64_t remaining = total;
    size_t by_size = 0;
    const auto limit = static_cast<uint64_t>(limits.retention_bytes);
    while (by_size < chunks.size() && remaining - chunks[by_size].byte_length >= limit) {
      remaining -= chunks[by_size].byte_length;
      ++by_size;
    }
    drop = std::max(drop, by_size);
  }
  if (drop == 0) return std::nullopt;
  if (drop == chunks.size()) return high_watermark;
  return chunks[drop].base_offset;
}

Task<Result<RetentionStats>> RunRetention(const std::string& topic, metadata::MetadataStore& store,
                                          const JobsOptions& options, int64_t now_ms) {
  RetentionStats stats;
  auto info = co_await store.GetTopic(topic);
  if (!info.ok()) {
    if (info.status().code() == StatusCode::kNotFound) co_return stats;
    co_return info.status();
  }
  auto limits = TopicRetention(info->configs, options);
  if (!limits.ok()) co_return limits.status();
  if (!limits->has_value()) co_return stats;
  auto partitions = co_await store.GetPartitions(topic);
  if (!partitions.ok()) co_return partitions.status();
  for (const auto& p : *partitions) {
    if (p.high_watermark <= p.log_start_offset) continue;
    // Every live chunk, in offset order (FindChunks pages by a bounded number of chunks).
    std::vector<metadata::IndexedChunk> chunks;
    int64_t from = p.log_start_offset;
    while (from < p.high_watermark) {
      auto page =
          co_await store.FindChunks(topic, p.partition, from, std::numeric_limits<uint64_t>::max());
      if (!page.ok()) co_return page.status();
      if (page->empty()) break;
      for (auto& c : *page) {
        if (!chunks.empty() && c.base_offset <= chunks.back().base_offset) continue;
        chunks.push_back(std::move(c));
      }
      const int64_t next = chunks.back().base_offset + chunks.back().offset_count;
      if (next <= from) break;
      from = next;
    }
    std::optional<int64_t> cut = RetentionCut(chunks, p.high_watermark, **limits, now_ms);
    if (!cut || *cut <= p.log_start_offset) continue;
    auto advanced = co_await store.AdvanceLogStartOffset(topic, p.partition, *cut, now_ms);
    if (!advanced.ok()) {
      if (advanced.status().code() == StatusCode::kNotFound) co_return stats;  // deleted
      co_return advanced.status();
    }
    stats.partitions_advanced++;
  }
  co_return stats;
}

}  // namespace sluice::jobs
