// The internal-metrics job of a jobs agent (design.md §7): every interval it reads consumer-group
// offsets, partition high watermarks and live objects from the metadata store and exports
//   sluice_consumer_group_lag{group,topic,partition}          records behind the high watermark
//   sluice_consumer_group_lag_seconds{group,topic,partition}  age of the first unconsumed batch
//   sluice_partition_high_watermark{topic,partition}, sluice_partition_log_start_offset{...}
//   sluice_objects{level}, sluice_object_bytes{level}         live objects in the bucket
// Series of groups and partitions that disappeared drop to 0.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/asio.h"
#include "common/clock.h"
#include "metadata/metadata_store.h"
#include "observability/logger.h"
#include "observability/metrics.h"

namespace sluice::jobs {

class LagMetrics {
 public:
  LagMetrics(asio::any_io_executor executor, metadata::MetadataStore& store, const Clock& clock,
             obs::Logger& logger, obs::MetricsRegistry& metrics,
             std::chrono::milliseconds interval);
  ~LagMetrics();

  void Start();
  void Stop();
  // One pass; public for tests.
  Task<Status> CollectOnce();

 private:
  Task<void> Loop(std::shared_ptr<bool> running);

  asio::any_io_executor executor_;
  metadata::MetadataStore& store_;
  const Clock& clock_;
  obs::Logger& logger_;
  std::chrono::milliseconds interval_;
  std::shared_ptr<bool> running_;
  std::shared_ptr<asio::steady_timer> timer_;
  obs::GaugeFamily& lag_;
  obs::GaugeFamily& lag_seconds_;
  obs::GaugeFamily& high_watermark_;
  obs::GaugeFamily& log_start_;
  obs::GaugeFamily& objects_;
  obs::GaugeFamily& object_bytes_;
  std::map<const obs::GaugeFamily*, std::set<std::vector<std::string>>> published_;
};

}  // namespace sluice::jobs
