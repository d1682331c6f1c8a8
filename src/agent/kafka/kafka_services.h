// What the Kafka API handlers need from the agent, gathered in one place and passed by reference
// (no global state). Everything here is used from the agent's event loop only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "agent/cluster/cluster_view.h"
#include "agent/cluster/routing_log.h"
#include "agent/fetch/partition_reader.h"
#include "agent/groups/group_coordinator.h"
#include "agent/groups/group_ownership.h"
#include "agent/produce/batcher.h"
#include "agent/topic_cache.h"
#include "common/clock.h"
#include "metadata/metadata_store.h"
#include "network/kafka_server.h"

namespace sluice::agent {

class BacklogMonitor;
class GroupForwarder;

struct KafkaSettings {
  int32_t node_id = 0;
  std::string advertised_host = "127.0.0.1";
  int32_t advertised_port = 9092;
  std::string cluster_id;
  bool auto_create_topics = true;
  int32_t default_num_partitions = 1;
  int32_t max_message_bytes = 1048588;                    // Kafka's message.max.bytes default
  int64_t default_retention_ms = 7LL * 24 * 3600 * 1000;  // -defaultRetentionMs
  int64_t default_retention_bytes = -1;                   // -defaultRetentionBytes
  int32_t transaction_max_timeout_ms = 15 * 60 * 1000;    // -transactionMaxTimeout
};

struct KafkaServices {
  asio::any_io_executor executor;
  KafkaSettings settings;
  metadata::MetadataStore& store;
  TopicCache& topics;
  Batcher& batcher;
  PartitionReader& reader;
  const Clock& clock;
  groups::GroupCoordinator& groups;
  groups::GroupOwnership& group_ownership;
  // The live agents (Membership in a cluster; this agent alone otherwise).
  ClusterView& cluster;
  RoutingLog* routing_log = nullptr;  // warnings about clients shown a fallback set of agents
  // Sends group requests to the agent that owns the group; null: answer NOT_COORDINATOR instead.
  GroupForwarder* group_forwarder = nullptr;
  // Slows or refuses produce while compaction is behind; null: always admit.
  BacklogMonitor* backlog = nullptr;
  // Markers a transaction call wrote: raise cached HWM/LSO, wake long polls (null in tests).
  std::function<void(const std::vector<metadata::WrittenMarker>&)> markers_written = nullptr;
};

// One decoded request's context.
struct RequestContext {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::string client_id;
  uint64_t connection_id = 0;
  std::string client_host;  // the peer's "ip:port" (the original client's, when forwarded)
  // The client connection (null when forwarded): a throttled request pauses its reads.
  std::shared_ptr<network::ConnectionControl> connection;
  // Forwarded by another agent (POST /v1/internal/kafka): answered here, never forwarded again.
  bool forwarded = false;
  // Single-group APIs: this agent owns the request's group (set before the handler runs); when
  // false the handler answers NOT_COORDINATOR.
  bool owns_group = false;
};

}  // namespace sluice::agent
