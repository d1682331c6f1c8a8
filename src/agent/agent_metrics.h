// The agent's own families in /metrics (docs/metrics.md lists them all): totals copied at scrape
// time from the components' stats (Kafka server, produce buffer, partition reader, consumer
// groups) and the produce path's latency histograms. Counters keep Prometheus names
// (`_total`, `_bytes`, `_seconds`) so rate() and histogram_quantile() work on them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agent/fetch/partition_reader.h"
#include "agent/groups/group_coordinator.h"
#include "agent/produce/batcher.h"
#include "metadata/metadata_store.h"
#include "network/kafka_server.h"
#include "observability/metrics.h"

namespace sluice::agent {

// A counter that follows a monotonically increasing total kept by a component.
class MirroredCounter {
 public:
  explicit MirroredCounter(obs::Counter& counter) : counter_(counter) {}
  void Update(uint64_t total);

 private:
  obs::Counter& counter_;
  uint64_t seen_ = 0;
};

class AgentMetrics {
 public:
  // The registry must outlive this object.
  explicit AgentMetrics(obs::MetricsRegistry& metrics);

  // A counter copied from a component's total at every Refresh() of the caller.
  MirroredCounter& Mirror(const std::string& name, const std::string& help);

  // Produce path, called by the batcher after each flush and each successful commit.
  void RecordFlush(const FlushTiming& timing);
  void RecordCommitted(const metadata::CommitRequest& request,
                       const metadata::CommitResult& result);

  // Scrape time. `kafka` is null on agents without a Kafka listener.
  void Refresh(const network::KafkaServerCounters* kafka, const FlushStats& flushes,
               const ReadStats& reads, const groups::GroupCoordinator& groups);

 private:
  obs::MetricsRegistry& metrics_;
  std::vector<std::unique_ptr<MirroredCounter>> mirrors_;
  MirroredCounter* connections_accepted_ = nullptr;
  MirroredCounter* received_bytes_ = nullptr;
  MirroredCounter* sent_bytes_ = nullptr;
  MirroredCounter* objects_written_ = nullptr;
  MirroredCounter* object_bytes_written_ = nullptr;
  MirroredCounter* flush_failures_ = nullptr;
  MirroredCounter* fetched_bytes_ = nullptr;
  MirroredCounter* fetched_batches_ = nullptr;
  MirroredCounter* fetched_records_ = nullptr;
  obs::Gauge& connections_open_;
  obs::Gauge& groups_;
  obs::Gauge& members_;
  obs::Counter& produced_records_;
  obs::Counter& produced_batches_;
  obs::Counter& produced_bytes_;
  obs::Histogram& flush_seconds_;
  obs::Histogram& put_seconds_;
  obs::Histogram& commit_seconds_;
  obs::Histogram& flush_object_bytes_;
  obs::Histogram& flush_records_;
};

}  // namespace sluice::agent
