#include "jobs/lag_metrics.h"

#include <algorithm>
#include <map>
#include <set>

namespace sluice::jobs {

namespace {

using Labels = std::vector<std::string>;

// Sets the given series; series published before but gone now (a deleted group or topic) drop
// to 0, since the registry keeps every series it has seen.
void Publish(obs::GaugeFamily& family, const std::map<Labels, double>& values,
             std::set<Labels>& published) {
  for (const auto& labels : published) {
    if (!values.count(labels)) family.WithLabels(labels).Set(0);
  }
  for (const auto& [labels, value] : values) {
    family.WithLabels(labels).Set(value);
    published.insert(labels);
  }
}

constexpr int32_t kMaxObjectsScanned = 100000;

}  // namespace

LagMetrics::LagMetrics(asio::any_io_executor executor, metadata::MetadataStore& store,
                       const Clock& clock, obs::Logger& logger, obs::MetricsRegistry& metrics,
                       std::chrono::milliseconds interval)
    : executor_(executor),
      store_(store),
      clock_(clock),
      logger_(logger),
      interval_(interval),
      lag_(metrics.AddGauge("sluice_consumer_group_lag",
                            "Records between a group's committed offset and the high watermark.",
                            {"group", "topic", "partition"})),
      lag_seconds_(metrics.AddGauge(
          "sluice_consumer_group_lag_seconds",
          "Age of the first batch a group has not consumed yet (0 when caught up).",
          {"group", "topic", "partition"})),
      high_watermark_(metrics.AddGauge("sluice_partition_high_watermark",
                                       "Next offset to be written, per partition.",
                                       {"topic", "partition"})),
      log_start_(metrics.AddGauge("sluice_partition_log_start_offset",
                                  "First offset still readable, per partition.",
                                  {"topic", "partition"})),
      objects_(metrics.AddGauge("sluice_objects", "Live segment objects in the bucket, by level.",
                                {"level"})),
      object_bytes_(metrics.AddGauge("sluice_object_bytes",
                                     "Bytes of live segment objects, by level.", {"level"})) {}

LagMetrics::~LagMetrics() { Stop(); }

void LagMetrics::Start() {
  if (running_) return;
  running_ = std::make_shared<bool>(true);
  timer_ = std::make_shared<asio::steady_timer>(executor_);
  asio::co_spawn(executor_, Loop(running_), asio::detached);
}

void LagMetrics::Stop() {
  if (!running_) return;
  *running_ = false;
  timer_->cancel();
  running_.reset();
}

Task<void> LagMetrics::Loop(std::shared_ptr<bool> running) {
  auto timer = timer_;
  while (*running) {
    Status collected = co_await CollectOnce();
    if (!*running) co_return;
    if (!collected.ok()) {
      logger_.Warn("internal metrics: could not read the store", {{"error", collected.ToString()}});
    }
    timer->expires_after(interval_);
    boost::system::error_code ec;
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

Task<Status> LagMetrics::CollectOnce() {
  const int64_t now = clock_.NowMs();
  std::map<Labels, double> lag, lag_seconds, high_watermarks, log_starts;
  std::map<std::string, std::vector<metadata::PartitionInfo>> partitions;  // by topic

  auto topics = co_await store_.ListTopics();
  if (!topics.ok()) co_return topics.status();
  for (const auto& topic : *topics) {
    auto listed = co_await store_.GetPartitions(topic.name);
    if (!listed.ok()) continue;  // deleted meanwhile
    for (const auto& p : *listed) {
      Labels labels{topic.name, std::to_string(p.partition)};
      high_watermarks[labels] = static_cast<double>(p.high_watermark);
      log_starts[labels] = static_cast<double>(p.log_start_offset);
    }
    partitions[topic.name] = std::move(listed).value();
  }

  auto groups = co_await store_.ListGroupsWithOffsets();
  if (!groups.ok()) co_return groups.status();
  for (const auto& group : *groups) {
    auto offsets = co_await store_.FetchOffsets(group);
    if (!offsets.ok()) continue;
    for (const auto& [key, committed] : *offsets) {
      const auto& [topic, partition] = key;
      auto it = partitions.find(topic);
      if (it == partitions.end()) continue;
      const metadata::PartitionInfo* info = nullptr;
      for (const auto& p : it->second) {
        if (p.partition == partition) info = &p;
      }
      if (info == nullptr) continue;
      const int64_t from = std::max(committed.offset, info->log_start_offset);
      const int64_t behind = std::max<int64_t>(0, info->high_watermark - from);
      double seconds = 0;
      if (behind > 0) {
        // The batch holding the first unconsumed record: how long it has been waiting.
        auto chunks = co_await store_.FindChunks(topic, partition, from, 1);
        if (chunks.ok() && !chunks->empty() && chunks->front().first_timestamp > 0) {
          seconds = std::max<double>(0, (now - chunks->front().first_timestamp) / 1000.0);
        }
      }
      Labels labels{group, topic, std::to_string(partition)};
      lag[labels] = static_cast<double>(behind);
      lag_seconds[labels] = seconds;
    }
  }

  std::map<Labels, double> objects, object_bytes;
  auto live = co_await store_.ListLiveObjects(kMaxObjectsScanned);
  if (live.ok()) {
    for (const auto& object : *live) {
      Labels labels{std::to_string(object.level)};
      objects[labels] += 1;
      object_bytes[labels] += static_cast<double>(object.size_bytes);
    }
    Publish(objects_, objects, published_[&objects_]);
    Publish(object_bytes_, object_bytes, published_[&object_bytes_]);
  }
  Publish(lag_, lag, published_[&lag_]);
  Publish(lag_seconds_, lag_seconds, published_[&lag_seconds_]);
  Publish(high_watermark_, high_watermarks, published_[&high_watermark_]);
  Publish(log_start_, log_starts, published_[&log_start_]);
  co_return Status::Ok();
}

}  // namespace sluice::jobs
