// The agent's view of topics and partition offsets. Topics are read from the metadata store and
// kept for a short time; high watermarks advance as this agent's commits land (and are re-read from
// the store when unknown), and every advance wakes long-polling fetches.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "common/async_event.h"
#include "metadata/metadata_store.h"

namespace sluice::agent {

// Transactions: a cached LSO is never derived from the high watermark; it only comes from
// sources that know it (store reads, commit outcomes, markers, commit notices), so a stale value
// is only ever too low, which is safe (docs/design-transactions.md §8).
inline constexpr int64_t kUnknownAbortOffset = INT64_MAX;

struct PartitionOffsets {
  int64_t log_start_offset = 0;
  int64_t high_watermark = 0;
  int64_t last_stable_offset = 0;
  // Offset of the newest ABORT marker (-1: none). kUnknownAbortOffset when the LSO was raised by
  // a source that does not carry it: Fetch then asks the store for aborted transactions.
  int64_t last_abort_offset = -1;
};

// New offsets of a partition after a commit, a marker or another agent's notice.
struct OffsetsAdvance {
  int64_t high_watermark = 0;
  int64_t log_start_offset = 0;
  int64_t last_stable_offset = -1;  // -1: unknown (the cached LSO stays)
  // nullopt: unknown. A raised LSO then makes the cached value kUnknownAbortOffset, since the
  // newly stable range may hold an abort this source did not report.
  std::optional<int64_t> last_abort_offset;
};

// The merge rules, pure so they are tested alone: offsets only rise; an abort offset is trusted
// only together with an LSO at least as new as the cached one.
void MergeStoreOffsets(PartitionOffsets& cached, const metadata::PartitionInfo& stored);
void ApplyAdvance(PartitionOffsets& cached, const OffsetsAdvance& advance);

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

  // Called after a commit, a marker or a notice: raise the offsets (never lower) and wake fetches.
  void Advance(const std::string& topic, int32_t partition, const OffsetsAdvance& advance);
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
