// The fetch caches' counters in /metrics, copied from their stats at scrape time:
//   sluice_file_cache_hits_total, sluice_file_cache_misses_total, sluice_file_cache_size_bytes,
//   sluice_file_cache_peer_reads_total{result="ok|error|unavailable|skipped"} (asked an owner),
//   sluice_file_cache_peer_fallback_ranges_total (read from the store after a failed peer read),
//   sluice_file_cache_peer_served_total{result="ok|rejected"}, _peer_served_bytes_total.
#pragma once

#include <cstdint>

#include "agent/fetch/file_cache.h"
#include "agent/fetch/zone_cache.h"

namespace sluice::obs {
class Counter;
class Gauge;
class MetricsRegistry;
}  // namespace sluice::obs

namespace sluice::agent {

class CacheMetrics {
 public:
  explicit CacheMetrics(obs::MetricsRegistry& metrics);
  // `zone` may be null (no zone cache).
  void Refresh(const FileCache& local, const ZoneCache* zone);

 private:
  // A counter that follows a monotonically increasing source value.
  struct Follower {
    obs::Counter* counter = nullptr;
    uint64_t seen = 0;
    void Update(uint64_t value);
  };
  Follower hits_, misses_, peer_ok_, peer_error_, peer_unavailable_, peer_skipped_, fallback_,
      served_ok_, served_rejected_, served_bytes_;
  obs::Gauge* size_ = nullptr;
};

}  // namespace sluice::agent
