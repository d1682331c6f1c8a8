#include "agent/agent_config.h"

#include <netdb.h>
#include <unistd.h>

#include <algorithm>

namespace sluice {

namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::string_view kValidRoles = "proxy, proxy-produce, proxy-consume, jobs";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Status RolesError(const std::string& why) {
  return Status::InvalidArgument(why + " (valid roles: " + std::string(kValidRoles) +
                                 "; give a comma-separated list such as proxy,jobs)");
}

bool IsValidHostOrAddress(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
           c == '_';
  });
}

}  // namespace

std::string_view AgentRoleName(AgentRole role) {
  switch (role) {
    case AgentRole::kProxy:
      return "proxy";
    case AgentRole::kProxyProduce:
      return "proxy-produce";
    case AgentRole::kProxyConsume:
      return "proxy-consume";
    case AgentRole::kJobs:
      return "jobs";
  }
  return "unknown";
}

Result<std::vector<AgentRole>> ParseAgentRoles(std::string_view list) {
  std::vector<AgentRole> roles;
  if (Trim(list).empty()) return RolesError("the list is empty");
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = Trim(list.substr(start, comma - start));
    start = comma + 1;
    if (item.empty()) return RolesError("empty role in \"" + std::string(list) + "\"");
    std::optional<AgentRole> role;
    for (AgentRole r : {AgentRole::kProxy, AgentRole::kProxyProduce, AgentRole::kProxyConsume,
                        AgentRole::kJobs}) {
      if (item == AgentRoleName(r)) role = r;
    }
    if (!role) return RolesError("unknown role \"" + std::string(item) + "\"");
    if (std::find(roles.begin(), roles.end(), *role) != roles.end()) {
      return RolesError("role \"" + std::string(item) + "\" is repeated");
    }
    roles.push_back(*role);
  }
  bool proxy = std::find(roles.begin(), roles.end(), AgentRole::kProxy) != roles.end();
  bool split = std::find_if(roles.begin(), roles.end(), [](AgentRole r) {
                 return r == AgentRole::kProxyProduce || r == AgentRole::kProxyConsume;
               }) != roles.end();
  if (proxy && split) {
    return RolesError(
        "proxy already serves produce and consume; do not combine it with "
        "proxy-produce or proxy-consume");
  }
  return roles;
}

bool AgentConfig::HasRole(AgentRole role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

bool AgentConfig::ServesKafka() const {
  return HasRole(AgentRole::kProxy) || HasRole(AgentRole::kProxyProduce) ||
         HasRole(AgentRole::kProxyConsume);
}

bool IsValidVirtualClusterId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

std::string DetectAdvertiseHostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0 || buf[0] == '\0') return "127.0.0.1";
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(buf, nullptr, &hints, &res) != 0 || res == nullptr) return "127.0.0.1";
  freeaddrinfo(res);
  return buf;
}

Result<AgentConfig> ParseAgentConfig(const std::vector<std::string>& args, const cli::Env& env,
                                     AgentMode mode) {
  return ParseAgentConfig(args, env, mode, DetectAdvertiseHostname());
}

Result<AgentConfig> ParseAgentConfig(const std::vector<std::string>& args, const cli::Env& env,
                                     AgentMode mode, const std::string& default_hostname) {
  const bool playground = mode == AgentMode::kPlayground;
  AgentConfig c;
  c.mode = mode;
  cli::FlagSet flags(playground ? "sluice playground" : "sluice agent");

  int64_t kafka_port = 0, http_port = 0, num_partitions = 0;

  flags.String("dataDir", &c.data_dir, "./sluice-data",
               "Directory for local state: the file bucket and SQLite database by default");
  flags.String("bucketURL", &c.bucket_url, "",
               "Object storage URL: file:///path, mem://name (s3:// later)",
               playground ? "\"mem://playground\"" : "\"file://<dataDir>/bucket\"");
  flags.String("metadataURL", &c.metadata_url, "",
               "Metadata store URL: sqlite:///path/meta.db or sqlite::memory:",
               playground ? "\"sqlite::memory:\"" : "\"sqlite://<dataDir>/metadata.db\"");
  flags.Bytes("fileCacheSizeBytes", &c.file_cache_size_bytes, kDefaultFileCacheSizeBytes, 0,
              1LL << 40, "Memory for the cache of object byte ranges (0 disables it)");
  flags.String("kafkaListenAddress", &c.kafka_listen_address, "0.0.0.0",
               "Address the Kafka listener binds to");
  flags.Int64("kafkaPort", &kafka_port, kDefaultKafkaPort, 0, 65535,
              "Kafka protocol port (0 picks a free port)");
  flags.String("httpListenAddress", &c.http_listen_address, "0.0.0.0",
               "Address the HTTP server (status, metrics, console) binds to");
  flags.Int64("httpPort", &http_port, kDefaultHttpPort, 0, 65535,
              "HTTP port (0 picks a free port)");
  flags.String("advertiseHostname", &c.advertise_hostname, "",
               "Host name or address clients use to reach this agent",
               "the machine's hostname, or 127.0.0.1 if it does not resolve");
  flags.Duration("batchTimeout", &c.batch_timeout, milliseconds(250), milliseconds(1), seconds(10),
                 "Longest time a produced batch waits before its object is written");
  flags.Bytes("batchMaxSizeBytes", &c.batch_max_size_bytes, kDefaultBatchMaxSizeBytes, 1LL << 10,
              1LL << 30, "Buffered produce bytes that trigger an object write");
  flags.Bytes("maxMessageBytes", &c.max_message_bytes, kDefaultMaxMessageBytes, 1LL << 10,
              1LL << 30, "Largest record batch accepted (Kafka's message.max.bytes)");
  // Backlog defaults: one agent flushing every 250 ms makes 4 level-0 objects a second, so 2000
  // is minutes of missing compaction (a fetch of recent data then costs a GET per object) and
  // 5000 is well before the index and the reads degrade badly; the byte limits are the same
  // counts of full 8 MiB objects.
  flags.Int64("backlogThrottleObjects", &c.backlog_throttle_objects, 2000, 0, 1LL << 40,
              "Uncompacted (level-0) objects at which produce is slowed (0: no limit)");
  flags.Int64("backlogRefuseObjects", &c.backlog_refuse_objects, 5000, 0, 1LL << 40,
              "Uncompacted objects at which produce is refused with a retriable error until jobs "
              "agents catch up (0: no limit)");
  flags.Bytes("backlogThrottleBytes", &c.backlog_throttle_bytes, 16LL << 30, 0, 1LL << 60,
              "Bytes of uncompacted objects at which produce is slowed (0: no limit)");
  flags.Bytes("backlogRefuseBytes", &c.backlog_refuse_bytes, 40LL << 30, 0, 1LL << 60,
              "Bytes of uncompacted objects at which produce is refused (0: no limit)");
  flags.Duration("backlogMaxThrottle", &c.backlog_max_throttle, seconds(1),
                 std::chrono::nanoseconds(0), seconds(10),
                 "Throttle time of a produce request near the refuse limit (a tenth of it at the "
                 "throttle limit); at most 10s, well below clients' 30s request timeout");
  flags.Duration("groupInitialRebalanceDelay", &c.group_initial_rebalance_delay, seconds(3),
                 std::chrono::nanoseconds(0), minutes(5),
                 "How long a new consumer group waits for more members before its first "
                 "assignment (Kafka's group.initial.rebalance.delay.ms)");
  flags.Duration("agentLeaseDuration", &c.agent_lease_duration, seconds(10), seconds(1), minutes(5),
                 "How long an agent that stopped renewing its membership stays listed");
  flags.Duration("compactionInterval", &c.compaction_interval, seconds(10), milliseconds(10),
                 minutes(60), "How often the job planner looks for objects to compact");
  flags.Int64("compactionMinObjects", &c.compaction_min_objects, 8, 2, 10000,
              "Objects of one level that are merged into the next level together");
  flags.Duration("compactionMaxAge", &c.compaction_max_age, minutes(2), milliseconds(100),
                 hours(24),
                 "Objects of one level older than this are merged (at least two) even when fewer "
                 "than -compactionMinObjects are waiting");
  flags.Bytes("compactionTargetSizeBytes", &c.compaction_target_size_bytes, 64LL << 20, 1LL << 20,
              4LL << 30, "Size compaction outputs aim at; larger objects are not merged again");
  flags.Int64("defaultRetentionMs", &c.default_retention_ms, 7LL * 24 * 3600 * 1000, -1, 1LL << 50,
              "retention.ms of topics that do not set it (Kafka's log.retention.ms); -1 keeps "
              "records forever");
  flags.Int64("defaultRetentionBytes", &c.default_retention_bytes, -1, -1, 1LL << 60,
              "retention.bytes of partitions of topics that do not set it (Kafka's "
              "log.retention.bytes); -1: no size limit");
  flags.Duration("deletionGracePeriod", &c.deletion_grace_period, minutes(5),
                 std::chrono::nanoseconds(0), hours(24 * 7),
                 "How long a dead (compacted or expired) object stays in the bucket before it is "
                 "deleted; must outlive any read in flight");
  flags.Duration("retentionCheckInterval", &c.retention_check_interval, minutes(1),
                 milliseconds(10), hours(24),
                 "How often retention.ms / retention.bytes are applied to every topic");
  flags.Duration("internalMetricsInterval", &c.internal_metrics_interval, seconds(15),
                 milliseconds(100), hours(1),
                 "How often a jobs agent refreshes consumer lag, partition and object metrics");
  flags.Duration("jobLeaseDuration", &c.job_lease_duration, minutes(2), seconds(1), hours(1),
                 "How long a claimed job may run before another jobs agent retries it");
  flags.Duration("orphanScanInterval", &c.orphan_scan_interval, hours(1), milliseconds(100),
                 hours(24 * 7),
                 "How often the bucket is scanned for segment objects the metadata store does "
                 "not know (orphans), which are deleted");
  flags.Duration("orphanSafetyAge", &c.orphan_safety_age, hours(1), seconds(1), hours(24 * 30),
                 "How old an unknown object must be before the orphan scan deletes it; far above "
                 "any PUT-to-commit time (compaction outputs older than half of it never commit)");
  flags.Duration("faultCompactionDelay", &c.fault_compaction_delay, std::chrono::nanoseconds(0),
                 std::chrono::nanoseconds(0), minutes(10),
                 "TESTS ONLY: sleep this long between writing a compaction output and its index "
                 "swap, so a test can kill an agent in the middle of a compaction");
  flags.Duration("groupLeaseDuration", &c.group_lease_duration, seconds(10), seconds(1), minutes(5),
                 "How long a consumer group stays owned by an agent that stopped renewing it");
  flags.Bool("autoCreateTopics", &c.auto_create_topics, true,
             "Create topics on first use by Metadata or Produce requests");
  flags.Int64("defaultNumPartitions", &num_partitions, 1, 1, 10000,
              "Partitions of an automatically created topic");
  flags.String("defaultVirtualClusterID", &c.default_virtual_cluster_id, "vci_default",
               "Virtual cluster served to clients that do not name one");
  flags.String("apiKey", &c.api_key, "", "Secret clients must present (empty: no authentication)",
               "none");
  c.roles = {AgentRole::kProxy, AgentRole::kJobs};
  flags.Custom("roles", "list", "\"proxy,jobs\"",
               "Comma-separated roles: proxy, proxy-produce, proxy-consume, jobs",
               [&c](std::string_view v) -> Status {
                 SLUICE_ASSIGN_OR_RETURN(c.roles, ParseAgentRoles(v));
                 return Status::Ok();
               });
  flags.AddEnvAlias("roles", "AGENT_ROLES");
  flags.String("availabilityZone", &c.availability_zone, "",
               "Availability zone advertised to zone-aware clients");
  flags.String("agentGroup", &c.agent_group, "",
               "Agent group: clients are only routed to agents of their group");
  flags.Custom("logLevel", "string", "\"info\"", "Log level: debug, info, warn, error",
               [&c](std::string_view v) -> Status {
                 SLUICE_ASSIGN_OR_RETURN(c.log_level, obs::ParseLogLevel(v));
                 return Status::Ok();
               });
  flags.Custom("logFormat", "string", "\"text\"", "Log format: text, json",
               [&c](std::string_view v) -> Status {
                 SLUICE_ASSIGN_OR_RETURN(c.log_format, obs::ParseLogFormat(v));
                 return Status::Ok();
               });
  flags.Duration("gracefulShutdownDuration", &c.graceful_shutdown_duration, seconds(10),
                 std::chrono::nanoseconds(0), minutes(10),
                 "Time allowed to finish in-flight work after SIGTERM");
  flags.Duration("shutdownAnnounceDuration", &c.shutdown_announce_duration, seconds(0),
                 std::chrono::nanoseconds(0), minutes(10),
                 "After SIGTERM, keep serving while /v1/status answers 503 for this long, so load "
                 "balancers stop sending clients before connections close (counts toward "
                 "-gracefulShutdownDuration)");

  SLUICE_RETURN_IF_ERROR(flags.Parse(args, env));
  c.usage = flags.Usage();
  if (flags.help_requested()) {
    c.help_requested = true;
    return c;
  }
  if (!flags.positional().empty()) {
    return Status::InvalidArgument("unexpected argument \"" + flags.positional().front() +
                                   "\" (flags start with -; run with -help to list them)");
  }

  c.kafka_port = static_cast<uint16_t>(kafka_port);
  c.http_port = static_cast<uint16_t>(http_port);
  c.default_num_partitions = static_cast<int32_t>(num_partitions);

  if (c.data_dir.empty()) return Status::InvalidArgument("invalid value for -dataDir: empty");
  std::string dir = c.data_dir;  // "data/" -> "data", so derived URLs have no "//"
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  if (c.bucket_url.empty()) {
    c.bucket_url = playground ? "mem://playground" : "file://" + dir + "/bucket";
  }
  if (c.metadata_url.empty()) {
    c.metadata_url = playground ? "sqlite::memory:" : "sqlite://" + dir + "/metadata.db";
  }
  if (c.advertise_hostname.empty()) c.advertise_hostname = default_hostname;

  for (auto [name, value] : {std::pair{"kafkaListenAddress", &c.kafka_listen_address},
                             std::pair{"httpListenAddress", &c.http_listen_address},
                             std::pair{"advertiseHostname", &c.advertise_hostname}}) {
    if (!IsValidHostOrAddress(*value)) {
      return Status::InvalidArgument(std::string("invalid value for -") + name + ": \"" + *value +
                                     "\" is not a host name or IP address");
    }
  }
  if (c.kafka_port != 0 && c.kafka_port == c.http_port) {
    return Status::InvalidArgument("-kafkaPort and -httpPort are both " +
                                   std::to_string(c.kafka_port) + ": they must differ");
  }
  struct BacklogPair {
    const char* what;
    int64_t throttle, refuse;
  };
  for (const BacklogPair& p :
       {BacklogPair{"Objects", c.backlog_throttle_objects, c.backlog_refuse_objects},
        BacklogPair{"Bytes", c.backlog_throttle_bytes, c.backlog_refuse_bytes}}) {
    if (p.throttle > 0 && p.refuse > 0 && p.refuse < p.throttle) {
      return Status::InvalidArgument(std::string("-backlogRefuse") + p.what + " (" +
                                     std::to_string(p.refuse) + ") is below -backlogThrottle" +
                                     p.what + " (" + std::to_string(p.throttle) + ")");
    }
  }
  if (!IsValidVirtualClusterId(c.default_virtual_cluster_id)) {
    return Status::InvalidArgument("invalid value for -defaultVirtualClusterID: \"" +
                                   c.default_virtual_cluster_id +
                                   "\" (use 1 to 128 characters of A-Z, a-z, 0-9, _ and -)");
  }
  return c;
}

}  // namespace sluice
