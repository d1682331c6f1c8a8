#include "agent/agent_status.h"

#include <nlohmann/json.hpp>

namespace sluice::agent {

HealthProbe::HealthProbe(metadata::MetadataStore& store, storage::ObjectStore& objects,
                         std::string bucket_prefix, const Clock& clock,
                         std::chrono::milliseconds probe_interval)
    : store_(store),
      objects_(objects),
      bucket_prefix_(std::move(bucket_prefix)),
      clock_(clock),
      interval_(probe_interval) {}

Task<void> HealthProbe::Refresh() {
  const int64_t now = clock_.NowMs();
  if (probing_ || (last_probe_ms_ != 0 && now - last_probe_ms_ < interval_.count())) co_return;
  probing_ = true;
  using SecondsD = std::chrono::duration<double>;
  auto start = std::chrono::steady_clock::now();
  auto cluster = co_await store_.ClusterId();
  HealthCheck metadata;
  metadata.ok = cluster.ok();
  if (!cluster.ok()) metadata.error = cluster.status().message();
  metadata.checked_ms = clock_.NowMs();
  metadata.latency_seconds = SecondsD(std::chrono::steady_clock::now() - start).count();

  start = std::chrono::steady_clock::now();
  auto listed = co_await objects_.List(bucket_prefix_, "", 1);
  HealthCheck bucket;
  bucket.ok = listed.ok();
  if (!listed.ok()) bucket.error = listed.status().message();
  bucket.checked_ms = clock_.NowMs();
  bucket.latency_seconds = SecondsD(std::chrono::steady_clock::now() - start).count();

  metadata_ = std::move(metadata);
  bucket_ = std::move(bucket);
  last_probe_ms_ = clock_.NowMs();
  probing_ = false;
}

namespace {
nlohmann::json CheckJson(const HealthCheck& check) {
  nlohmann::json j = {{"ok", check.ok},
                      {"checked_at_ms", check.checked_ms},
                      {"latency_seconds", check.latency_seconds}};
  if (!check.ok) j["error"] = check.checked_ms == 0 ? "not probed yet" : check.error;
  return j;
}
}  // namespace

HttpResponse RenderStatus(const StatusFacts& facts, const HealthProbe& probe) {
  const bool healthy = probe.metadata().ok && probe.bucket().ok;
  const bool ready = facts.started && !facts.draining && healthy;
  const char* status = ready            ? "ready"
                       : facts.draining ? "draining"
                       : !facts.started ? "starting"
                                        : "unhealthy";
  nlohmann::json body = {
      {"status", status},
      {"live", true},
      {"ready", ready},
      {"draining", facts.draining},
      {"agent_id", facts.node_id},
      {"node_id", facts.node_id},
      {"version", facts.version},
      {"cluster_id", facts.cluster_id},
      {"roles", facts.roles},
      {"availability_zone", facts.availability_zone},
      {"agent_group", facts.agent_group},
      {"live_agents", facts.live_agents},
      {"kafka_port", facts.kafka_port},
      {"bucket", facts.bucket},
      {"uptime_seconds", facts.uptime_seconds},
      {"checks",
       {{"metadata_store", CheckJson(probe.metadata())}, {"bucket", CheckJson(probe.bucket())}}},
  };
  HttpResponse response;
  response.status = ready ? 200 : 503;
  response.content_type = "application/json";
  response.body = body.dump();
  return response;
}

}  // namespace sluice::agent
