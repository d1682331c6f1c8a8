// The agent's view of topics and partition offsets. Topics are read from the metadata store and
// kept for a short time; high watermarks advance as this agent's commits land (and are re-read from
// the store when unknown), and every advance wakes long-polling fetches.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "common/async_event.h"
#include "metadata/metadata_store.h"

namespace sluice::agent {

struct PartitionOffsets {
  int64_t log_start_offset = 0;
  int64_t high_watermark = 0;
};

class TopicCache {
 public:
  TopicCache(asio::any_io_executor executor, metadata::MetadataStore& store,
             std::chrono::milliseconds ttl);

  // The topic, or nullopt when it does not exist.
  Task<Result<std::optional<metadata::TopicInfo>>> Get(const std::string& name);
  Task<Result<std::vector<metadata::TopicInfo>>> All();
  // Offsets of one partition; NotFound when the topic or partition does not exist.
  // `fresh` re-reads the store first (when a client names an offset past what we know: another
  // agent may have committed it).
  Task<Result<PartitionOffsets>> Offsets(const std::string& topic, int32_t partition,
                                         bool fresh = false);

  // Called after a commit of this agent: raise the high watermark and wake fetches.
  void AdvanceHighWatermark(const std::string& topic, int32_t partition, int64_t high_watermark,
                            int64_t log_start_offset);
  // Forget a topic (after create, delete, alter) so the next read sees the store.
  void Invalidate(const std::string& name);

  Signal& commits() { return commits_; }

 private:
  struct Entry {
    std::optional<metadata::TopicInfo> topic;
    std::chrono::steady_clock::time_point loaded;
  };
  Task<Status> LoadOffsets(const std::string& topic);

  metadata::MetadataStore& store_;
  std::chrono::milliseconds ttl_;
  std::map<std::string, Entry> topics_;
  struct CachedOffsets {
    PartitionOffsets offsets;
    std::chrono::steady_clock::time_point loaded;
  };
  // Other agents commit too: offsets are re-read from the store once they are this old.
  static constexpr std::chrono::milliseconds kOffsetsTtl{250};
  std::map<std::pair<std::string, int32_t>, CachedOffsets> offsets_;
  Signal commits_;
};

}  // namespace sluice::agent
