#include "agent/fetch/cache_metrics.h"

#include "observability/metrics.h"

namespace sluice::agent {

void CacheMetrics::Follower::Update(uint64_t value) {
  if (value > seen) counter->Inc(value - seen);
  seen = value;
}

CacheMetrics::CacheMetrics(obs::MetricsRegistry& metrics) {
  hits_.counter =
      &metrics.AddCounter("sluice_file_cache_hits_total", "Ranges found in the file cache.").Get();
  misses_.counter =
      &metrics.AddCounter("sluice_file_cache_misses_total", "Ranges the file cache had to read.")
           .Get();
  auto& peer = metrics.AddCounter("sluice_file_cache_peer_reads_total",
                                  "Requests to the zone's cache owner of an object.", {"result"});
  peer_ok_.counter = &peer.WithLabels({"ok"});
  peer_error_.counter = &peer.WithLabels({"error"});
  peer_unavailable_.counter = &peer.WithLabels({"unavailable"});
  peer_skipped_.counter = &peer.WithLabels({"skipped"});
  fallback_.counter = &metrics
                           .AddCounter("sluice_file_cache_peer_fallback_ranges_total",
                                       "Ranges read from the object store after the owner failed.")
                           .Get();
  auto& served = metrics.AddCounter("sluice_file_cache_peer_served_total",
                                    "Range requests from other agents.", {"result"});
  served_ok_.counter = &served.WithLabels({"ok"});
  served_rejected_.counter = &served.WithLabels({"rejected"});
  served_bytes_.counter = &metrics
                               .AddCounter("sluice_file_cache_peer_served_bytes_total",
                                           "Bytes sent to other agents from this file cache.")
                               .Get();
  size_ = &metrics.AddGauge("sluice_file_cache_size_bytes", "Bytes held by the file cache.").Get();
}

void CacheMetrics::Refresh(const FileCache& local, const ZoneCache* zone) {
  hits_.Update(local.stats().hits);
  misses_.Update(local.stats().misses);
  size_->Set(static_cast<double>(local.size_bytes()));
  if (!zone) return;
  const ZoneCacheStats& z = zone->stats();
  peer_ok_.Update(z.peer_ok);
  peer_error_.Update(z.peer_error);
  peer_unavailable_.Update(z.peer_unavailable);
  peer_skipped_.Update(z.peer_skipped);
  fallback_.Update(z.fallback_ranges);
  served_ok_.Update(z.served_requests);
  served_rejected_.Update(z.served_rejected);
  served_bytes_.Update(z.served_bytes);
}

}  // namespace sluice::agent
