// GET /v1/status: the agent's liveness and readiness as JSON (docs/metrics.md#status).
//
// 200 when the agent is ready: started, not draining, and its metadata store and bucket answered
// the last probe; 503 otherwise, with the same JSON body saying why. The probes (a cluster-id
// read and a one-key LIST) run at most once per `probe_interval`: load balancers polling every
// second cost the stores almost nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/asio.h"
#include "common/clock.h"
#include "metadata/metadata_store.h"
#include "network/http_server.h"
#include "storage/object_store.h"

namespace sluice::agent {

struct HealthCheck {
  bool ok = false;
  std::string error;       // empty when ok
  int64_t checked_ms = 0;  // wall-clock time of the probe, 0 before the first
  double latency_seconds = 0;
};

class HealthProbe {
 public:
  HealthProbe(metadata::MetadataStore& store, storage::ObjectStore& objects,
              std::string bucket_prefix, const Clock& clock,
              std::chrono::milliseconds probe_interval = std::chrono::seconds(3));

  // Probes both stores unless the last probe is younger than the interval. Callers arriving
  // while a probe runs get the previous results instead of starting another.
  Task<void> Refresh();
  const HealthCheck& metadata() const { return metadata_; }
  const HealthCheck& bucket() const { return bucket_; }

 private:
  metadata::MetadataStore& store_;
  storage::ObjectStore& objects_;
  std::string bucket_prefix_;
  const Clock& clock_;
  std::chrono::milliseconds interval_;
  bool probing_ = false;
  int64_t last_probe_ms_ = 0;
  HealthCheck metadata_;
  HealthCheck bucket_;
};

// What the agent knows about itself, rendered by RenderStatus.
struct StatusFacts {
  int32_t node_id = -1;  // the agent id
  std::string version;
  std::string cluster_id;
  std::vector<std::string> roles;
  std::string availability_zone;
  std::string agent_group;
  size_t live_agents = 0;
  int kafka_port = 0;  // 0 without a Kafka listener
  std::string bucket;  // the bucket URL without credentials
  bool started = false;
  bool draining = false;
  double uptime_seconds = 0;
};

// {"status": "ready"|"starting"|"draining"|"unhealthy", "ready": bool, "live": true, ...}
HttpResponse RenderStatus(const StatusFacts& facts, const HealthProbe& probe);

}  // namespace sluice::agent
