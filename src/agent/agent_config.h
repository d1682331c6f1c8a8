// Every setting of an agent, parsed from the command line and the environment (see cli/flags.h for
// the syntax and the SLUICE_* / WARPSTREAM_* environment names).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/flags.h"
#include "common/status.h"
#include "observability/logger.h"

namespace sluice {

enum class AgentMode {
  kAgent,       // `sluice agent`: a file bucket and SQLite file under -dataDir by default
  kPlayground,  // `sluice playground`: in-memory bucket and metadata, nothing persists
};

enum class AgentRole { kProxy, kProxyProduce, kProxyConsume, kJobs };
std::string_view AgentRoleName(AgentRole role);
// "proxy,jobs" -> {kProxy, kJobs}. Whitespace around items is ignored; an empty list, an unknown
// or repeated role, or `proxy` together with `proxy-produce`/`proxy-consume` (which `proxy`
// already includes) is an InvalidArgument listing the valid values.
Result<std::vector<AgentRole>> ParseAgentRoles(std::string_view list);

struct AgentConfig {
  AgentMode mode = AgentMode::kAgent;

  // Storage.
  std::string data_dir;
  std::string bucket_url;
  std::string metadata_url;
  int64_t file_cache_size_bytes = 0;

  // Listeners and what is advertised to clients.
  std::string kafka_listen_address;
  uint16_t kafka_port = 0;
  std::string http_listen_address;
  uint16_t http_port = 0;
  std::string advertise_hostname;

  // Produce path.
  std::chrono::nanoseconds batch_timeout{0};
  int64_t batch_max_size_bytes = 0;
  int64_t max_message_bytes = 0;
  // Backlog limits on uncompacted (level-0) objects and bytes: produce is slowed, then refused
  // (docs/jobs.md "Backlog"); 0 turns a limit off.
  int64_t backlog_throttle_objects = 0;
  int64_t backlog_refuse_objects = 0;
  int64_t backlog_throttle_bytes = 0;
  int64_t backlog_refuse_bytes = 0;
  std::chrono::nanoseconds backlog_max_throttle{0};  // answer delay at the refuse limit

  // Consumer groups.
  std::chrono::nanoseconds group_initial_rebalance_delay{0};
  // How long an agent's lease on a consumer group lasts (renewed every third of it).
  std::chrono::nanoseconds group_lease_duration{0};
  std::chrono::nanoseconds agent_lease_duration{0};

  // Background jobs (jobs role; docs/jobs.md).
  std::chrono::nanoseconds compaction_interval{0};
  std::chrono::nanoseconds deletion_grace_period{0};
  std::chrono::nanoseconds retention_check_interval{0};
  std::chrono::nanoseconds internal_metrics_interval{0};
  std::chrono::nanoseconds job_lease_duration{0};
  std::chrono::nanoseconds orphan_scan_interval{0};
  std::chrono::nanoseconds orphan_safety_age{0};
  std::chrono::nanoseconds fault_compaction_delay{0};  // tests only
  int64_t compaction_min_objects = 0;
  std::chrono::nanoseconds compaction_max_age{0};
  int64_t compaction_target_size_bytes = 0;
  int64_t default_retention_ms = 0;     // retention.ms of topics without one; -1: forever
  int64_t default_retention_bytes = 0;  // retention.bytes of topics without one; -1: no limit

  // Topics and clusters.
  bool auto_create_topics = true;
  int32_t default_num_partitions = 1;
  std::string default_virtual_cluster_id;
  std::string api_key;  // empty = no authentication; never log it

  // Cluster membership.
  std::vector<AgentRole> roles;
  std::string availability_zone;
  std::string agent_group;

  // Operations.
  obs::LogLevel log_level = obs::LogLevel::kInfo;
  obs::LogFormat log_format = obs::LogFormat::kText;
  std::chrono::nanoseconds graceful_shutdown_duration{0};
  std::chrono::nanoseconds shutdown_announce_duration{0};  // 503 on /v1/status, still serving

  // -help was given: print `usage` and exit 0 instead of starting.
  bool help_requested = false;
  std::string usage;

  bool HasRole(AgentRole role) const;
  // True when the agent runs the Kafka listener (any proxy role).
  bool ServesKafka() const;
};

// The defaults and value ranges, for documentation and tests.
inline constexpr uint16_t kDefaultKafkaPort = 9092;
inline constexpr uint16_t kDefaultHttpPort = 8080;
inline constexpr int64_t kDefaultBatchMaxSizeBytes = 8LL << 20;
inline constexpr int64_t kDefaultMaxMessageBytes = 1048588;  // Kafka's message.max.bytes
inline constexpr int64_t kDefaultFileCacheSizeBytes = 256LL << 20;

// `program` names the command in usage text ("sluice agent"). `default_hostname` is used for
// -advertiseHostname when it is not set.
Result<AgentConfig> ParseAgentConfig(const std::vector<std::string>& args, const cli::Env& env,
                                     AgentMode mode, const std::string& default_hostname);
// Same, with the machine's hostname as the default advertised host (127.0.0.1 when the hostname
// cannot be read or does not resolve, so a single-machine setup still works).
Result<AgentConfig> ParseAgentConfig(const std::vector<std::string>& args, const cli::Env& env,
                                     AgentMode mode);
std::string DetectAdvertiseHostname();

// Virtual cluster ids: 1..128 characters of [A-Za-z0-9_-].
bool IsValidVirtualClusterId(std::string_view id);

}  // namespace sluice
