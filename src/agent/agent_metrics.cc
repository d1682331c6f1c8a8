#include "agent/agent_metrics.h"

#include <algorithm>

namespace sluice::agent {

void MirroredCounter::Update(uint64_t total) {
  // A source that restarted from zero (never expected) must not make the counter jump back.
  if (total > seen_) counter_.Inc(total - seen_);
  seen_ = std::max(seen_, total);
}

AgentMetrics::AgentMetrics(obs::MetricsRegistry& metrics)
    : metrics_(metrics),
      connections_open_(
          metrics.AddGauge("sluice_kafka_connections_open", "Open Kafka connections.").Get()),
      groups_(metrics.AddGauge("sluice_groups", "Consumer groups this agent coordinates.").Get()),
      members_(metrics
                   .AddGauge("sluice_group_members",
                             "Members of the consumer groups this agent coordinates.")
                   .Get()),
      produced_records_(
          metrics.AddCounter("sluice_produced_records_total", "Records committed by this agent.")
              .Get()),
      produced_batches_(metrics
                            .AddCounter("sluice_produced_batches_total",
                                        "Record batches committed by this agent.")
                            .Get()),
      produced_bytes_(metrics
                          .AddCounter("sluice_produced_bytes_total",
                                      "Record batch bytes committed by this agent (as produced, "
                                      "compressed when the client compressed).")
                          .Get()),
      flush_seconds_(metrics
                         .AddHistogram("sluice_produce_flush_duration_seconds",
                                       "One flush of the produce buffer: build the segment, PUT, "
                                       "commit, answer.",
                                       obs::DefaultSecondsBuckets())
                         .Get()),
      put_seconds_(metrics
                       .AddHistogram("sluice_produce_put_duration_seconds",
                                     "The segment object PUT of one flush.",
                                     obs::DefaultSecondsBuckets())
                       .Get()),
      commit_seconds_(metrics
                          .AddHistogram("sluice_produce_commit_duration_seconds",
                                        "The metadata-store commit of one flush, retries included.",
                                        obs::DefaultSecondsBuckets())
                          .Get()),
      flush_object_bytes_(metrics
                              .AddHistogram("sluice_produce_flush_size_bytes",
                                            "Size of the segment object of one flush.",
                                            obs::ExponentialBuckets(1024, 4, 10))
                              .Get()),
      flush_records_(metrics
                         .AddHistogram("sluice_produce_flush_records",
                                       "Records in the segment object of one flush.",
                                       obs::ExponentialBuckets(1, 4, 10))
                         .Get()) {
  connections_accepted_ =
      &Mirror("sluice_kafka_connections_accepted_total", "Kafka connections accepted.");
  received_bytes_ =
      &Mirror("sluice_kafka_received_bytes_total", "Kafka request bytes received (framing too).");
  sent_bytes_ = &Mirror("sluice_kafka_sent_bytes_total", "Kafka response bytes sent.");
  objects_written_ = &Mirror("sluice_produce_objects_written_total",
                             "Segment objects written and committed by the produce path.");
  object_bytes_written_ = &Mirror("sluice_produce_object_written_bytes_total",
                                  "Bytes of the segment objects written and committed.");
  flush_failures_ =
      &Mirror("sluice_produce_flush_failures_total", "Flushes whose PUT or commit failed.");
  fetched_bytes_ = &Mirror("sluice_fetched_bytes_total",
                           "Record batch bytes read for fetches (Kafka and HTTP).");
  fetched_batches_ = &Mirror("sluice_fetched_batches_total", "Record batches read for fetches.");
  fetched_records_ = &Mirror("sluice_fetched_records_total", "Records read for fetches.");
}

MirroredCounter& AgentMetrics::Mirror(const std::string& name, const std::string& help) {
  mirrors_.push_back(std::make_unique<MirroredCounter>(metrics_.AddCounter(name, help).Get()));
  return *mirrors_.back();
}

void AgentMetrics::RecordFlush(const FlushTiming& timing) {
  put_seconds_.Observe(timing.put_seconds);
  if (!timing.ok) return;
  commit_seconds_.Observe(timing.commit_seconds);
  flush_seconds_.Observe(timing.flush_seconds);
  flush_object_bytes_.Observe(static_cast<double>(timing.object_bytes));
  flush_records_.Observe(static_cast<double>(timing.records));
}

void AgentMetrics::RecordCommitted(const metadata::CommitRequest& request,
                                   const metadata::CommitResult& result) {
  for (size_t i = 0; i < request.chunks.size() && i < result.chunks.size(); ++i) {
    const auto& outcome = result.chunks[i];
    if (outcome.error_code != 0 || outcome.duplicate) continue;
    produced_records_.Inc(static_cast<uint64_t>(std::max(request.chunks[i].record_count, 0)));
    produced_batches_.Inc();
    produced_bytes_.Inc(request.chunks[i].byte_length);
  }
}

void AgentMetrics::Refresh(const network::KafkaServerCounters* kafka, const FlushStats& flushes,
                           const ReadStats& reads, const groups::GroupCoordinator& groups) {
  if (kafka) {
    connections_open_.Set(static_cast<double>(kafka->connections_open.load()));
    connections_accepted_->Update(kafka->connections_accepted.load());
    received_bytes_->Update(kafka->bytes_in.load());
    sent_bytes_->Update(kafka->bytes_out.load());
  }
  objects_written_->Update(flushes.objects);
  object_bytes_written_->Update(flushes.bytes);
  flush_failures_->Update(flushes.failures);
  fetched_bytes_->Update(reads.bytes);
  fetched_batches_->Update(reads.batches);
  fetched_records_->Update(reads.records);
  // Members: a description per group; a scrape every few seconds can afford it.
  const auto listed = groups.List();
  size_t members = 0;
  for (const auto& group : listed) {
    auto described = groups.Describe(group.group_id);
    if (described) members += described->members.size();
  }
  groups_.Set(static_cast<double>(listed.size()));
  members_.Set(static_cast<double>(members));
}

}  // namespace sluice::agent
