#include "agent/agent_config.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using namespace std::chrono_literals;
using cli::MapEnv;

Result<AgentConfig> Parse(std::vector<std::string> args, MapEnv env = MapEnv(),
                          AgentMode mode = AgentMode::kAgent) {
  return ParseAgentConfig(args, env, mode, "127.0.0.1");
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(AgentConfigTest, AgentDefaults) {
  auto c = Parse({});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->data_dir, "./sluice-data");
  EXPECT_EQ(c->bucket_url, "file://./sluice-data/bucket");
  EXPECT_EQ(c->metadata_url, "sqlite://./sluice-data/metadata.db");
  EXPECT_EQ(c->kafka_port, 9092);
  EXPECT_EQ(c->http_port, 8080);
  EXPECT_EQ(c->kafka_listen_address, "0.0.0.0");
  EXPECT_EQ(c->http_listen_address, "0.0.0.0");
  EXPECT_EQ(c->advertise_hostname, "127.0.0.1");
  EXPECT_EQ(c->batch_timeout, 250ms);
  EXPECT_EQ(c->batch_max_size_bytes, 8 << 20);
  EXPECT_TRUE(c->auto_create_topics);
  EXPECT_EQ(c->default_num_partitions, 1);
  EXPECT_EQ(c->default_virtual_cluster_id, "vci_default");
  EXPECT_EQ(c->api_key, "");
  EXPECT_EQ(c->roles, (std::vector<AgentRole>{AgentRole::kProxy, AgentRole::kJobs}));
  EXPECT_TRUE(c->ServesKafka());
  EXPECT_EQ(c->availability_zone, "");
  EXPECT_EQ(c->max_message_bytes, 1048588);
  EXPECT_EQ(c->log_level, obs::LogLevel::kInfo);
  EXPECT_EQ(c->log_format, obs::LogFormat::kText);
  EXPECT_EQ(c->graceful_shutdown_duration, 10s);
  EXPECT_FALSE(c->help_requested);
}

TEST(AgentConfigTest, PlaygroundDefaults) {
  auto c = Parse({}, MapEnv(), AgentMode::kPlayground);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->bucket_url, "mem://playground");
  EXPECT_EQ(c->metadata_url, "sqlite::memory:");
  EXPECT_EQ(c->kafka_port, 9092);
  EXPECT_EQ(c->http_port, 8080);
}

TEST(AgentConfigTest, DataDirMovesDerivedDefaultsButNotExplicitUrls) {
  auto c = Parse({"-dataDir", "/var/lib/sluice/", "-metadataURL=sqlite:///db/m.db"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->bucket_url, "file:///var/lib/sluice/bucket");
  EXPECT_EQ(c->metadata_url, "sqlite:///db/m.db");
}

TEST(AgentConfigTest, EverySettingFromFlags) {
  auto c = Parse({"-kafkaPort=0",
                  "-httpPort",
                  "0",
                  "-advertiseHostname",
                  "agent-1.local",
                  "-batchTimeout=5ms",
                  "-batchMaxSizeBytes=64KiB",
                  "-autoCreateTopics=false",
                  "-defaultNumPartitions=12",
                  "-defaultVirtualClusterID=vci_test-1",
                  "-apiKey=s3cret",
                  "-roles= proxy-produce , jobs ",
                  "-availabilityZone=us-east-1a",
                  "-agentGroup=g1",
                  "-maxMessageBytes=2MiB",
                  "-logLevel=debug",
                  "-logFormat=json",
                  "-fileCacheSizeBytes=0",
                  "-gracefulShutdownDuration=1m",
                  "-kafkaListenAddress=127.0.0.1",
                  "-httpListenAddress=::1"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->kafka_port, 0);
  EXPECT_EQ(c->http_port, 0);
  EXPECT_EQ(c->advertise_hostname, "agent-1.local");
  EXPECT_EQ(c->batch_timeout, 5ms);
  EXPECT_EQ(c->batch_max_size_bytes, 65536);
  EXPECT_FALSE(c->auto_create_topics);
  EXPECT_EQ(c->default_num_partitions, 12);
  EXPECT_EQ(c->default_virtual_cluster_id, "vci_test-1");
  EXPECT_EQ(c->api_key, "s3cret");
  EXPECT_EQ(c->roles, (std::vector<AgentRole>{AgentRole::kProxyProduce, AgentRole::kJobs}));
  EXPECT_EQ(c->availability_zone, "us-east-1a");
  EXPECT_EQ(c->agent_group, "g1");
  EXPECT_EQ(c->max_message_bytes, 2 << 20);
  EXPECT_EQ(c->log_level, obs::LogLevel::kDebug);
  EXPECT_EQ(c->log_format, obs::LogFormat::kJson);
  EXPECT_EQ(c->file_cache_size_bytes, 0);
  EXPECT_EQ(c->graceful_shutdown_duration, 1min);
  EXPECT_EQ(c->kafka_listen_address, "127.0.0.1");
  EXPECT_EQ(c->http_listen_address, "::1");
}

TEST(AgentConfigTest, EnvironmentNamesIncludingRoleAliases) {
  auto c = Parse({"-kafkaPort=9093"}, MapEnv({{"WARPSTREAM_AGENT_ROLES", "jobs"},
                                              {"WARPSTREAM_BUCKET_URL", "mem://w"},
                                              {"SLUICE_BUCKET_URL", "mem://s"},
                                              {"WARPSTREAM_DEFAULT_VIRTUAL_CLUSTER_ID", "vci_env"},
                                              {"SLUICE_BATCH_MAX_SIZE_BYTES", "1MiB"},
                                              {"SLUICE_KAFKA_PORT", "1"}}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->roles, (std::vector<AgentRole>{AgentRole::kJobs}));
  EXPECT_FALSE(c->ServesKafka());
  EXPECT_EQ(c->bucket_url, "mem://s");
  EXPECT_EQ(c->default_virtual_cluster_id, "vci_env");
  EXPECT_EQ(c->batch_max_size_bytes, 1 << 20);
  EXPECT_EQ(c->kafka_port, 9093) << "the flag beats the environment";
}

TEST(AgentConfigTest, BadValuesNameTheFlagAndWhatIsValid) {
  struct Case {
    std::vector<std::string> args;
    std::vector<std::string> expect;
  };
  for (const auto& c : std::vector<Case>{
           {{"-batchTimeout=0ms"}, {"-batchTimeout", "from 1ms to 10s"}},
           {{"-batchTimeout=11s"}, {"-batchTimeout", "from 1ms to 10s"}},
           {{"-batchMaxSizeBytes=100"}, {"-batchMaxSizeBytes", "from 1KiB to 1GiB"}},
           {{"-batchMaxSizeBytes=2GiB"}, {"-batchMaxSizeBytes", "from 1KiB to 1GiB"}},
           {{"-defaultNumPartitions=0"}, {"-defaultNumPartitions", "from 1 to 10000"}},
           {{"-defaultNumPartitions=10001"}, {"-defaultNumPartitions", "from 1 to 10000"}},
           {{"-kafkaPort=70000"}, {"-kafkaPort", "from 0 to 65535"}},
           {{"-roles=proxy,bogus"}, {"-roles", "unknown role \"bogus\"", "proxy-consume"}},
           {{"-roles="}, {"-roles", "empty", "valid roles"}},
           {{"-roles=proxy,,jobs"}, {"-roles", "empty role"}},
           {{"-roles=jobs,jobs"}, {"-roles", "repeated"}},
           {{"-roles=proxy,proxy-produce"}, {"-roles", "do not combine"}},
           {{"-logLevel=loud"}, {"-logLevel", "debug, info, warn, error"}},
           {{"-logFormat=xml"}, {"-logFormat", "text, json"}},
           {{"-defaultVirtualClusterID=bad id!"}, {"-defaultVirtualClusterID", "A-Z"}},
           {{"-autoCreateTopics=maybe"}, {"-autoCreateTopics", "true or false"}},
           {{"-kafkaPort=9000", "-httpPort=9000"}, {"-kafkaPort", "-httpPort", "differ"}},
           {{"-advertiseHostname=a b"}, {"-advertiseHostname", "host name"}},
           {{"-unknownThing=1"}, {"unknown flag -unknownThing"}},
           {{"stray"}, {"unexpected argument \"stray\""}},
       }) {
    auto r = Parse(c.args);
    ASSERT_FALSE(r.ok()) << c.args[0];
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    for (const auto& e : c.expect) {
      EXPECT_TRUE(Contains(r.status().message(), e)) << c.args[0] << ": " << r.status().message();
    }
  }
}

TEST(AgentConfigTest, BadEnvironmentRolesStopStartup) {
  auto r = Parse({}, MapEnv({{"SLUICE_AGENT_ROLES", "proxy,compactor"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(Contains(r.status().message(), "SLUICE_AGENT_ROLES")) << r.status().message();
  EXPECT_TRUE(Contains(r.status().message(), "compactor")) << r.status().message();
}

TEST(AgentConfigTest, HelpReturnsUsageListingEveryFlag) {
  auto c = Parse({"-help"});
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->help_requested);
  for (const char* flag : {"-bucketURL string",
                           "-metadataURL string",
                           "-dataDir string",
                           "-kafkaPort int",
                           "-httpPort int",
                           "-kafkaListenAddress string",
                           "-httpListenAddress string",
                           "-advertiseHostname string",
                           "-batchTimeout duration",
                           "-batchMaxSizeBytes bytes",
                           "-autoCreateTopics bool",
                           "-defaultNumPartitions int",
                           "-defaultVirtualClusterID string",
                           "-apiKey string",
                           "-roles list",
                           "-availabilityZone string",
                           "-agentGroup string",
                           "-maxMessageBytes bytes",
                           "-logLevel string",
                           "-logFormat string",
                           "-fileCacheSizeBytes bytes",
                           "-gracefulShutdownDuration duration",
                           "-shutdownAnnounceDuration duration",
                           "SLUICE_AGENT_ROLES",
                           "WARPSTREAM_AGENT_ROLES",
                           "file://<dataDir>/bucket"}) {
    EXPECT_TRUE(Contains(c->usage, flag)) << flag << "\n" << c->usage;
  }
}

TEST(AgentConfigTest, RoleListParsing) {
  EXPECT_EQ(*ParseAgentRoles("proxy-consume,proxy-produce"),
            (std::vector<AgentRole>{AgentRole::kProxyConsume, AgentRole::kProxyProduce}));
  EXPECT_EQ(*ParseAgentRoles("\tjobs"), (std::vector<AgentRole>{AgentRole::kJobs}));
  EXPECT_FALSE(ParseAgentRoles("proxy,").ok());
  EXPECT_FALSE(ParseAgentRoles("PROXY").ok());
}

TEST(AgentConfigTest, DetectedHostnameIsNeverEmpty) {
  EXPECT_FALSE(DetectAdvertiseHostname().empty());
}

TEST(AgentConfigTest, BacklogLimits) {
  auto d = Parse({});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->backlog_throttle_objects, 2000);
  EXPECT_EQ(d->backlog_refuse_objects, 5000);
  EXPECT_EQ(d->backlog_throttle_bytes, 16LL << 30);
  EXPECT_EQ(d->backlog_refuse_bytes, 40LL << 30);
  EXPECT_EQ(d->backlog_max_throttle, 1s);

  auto c =
      Parse({"-backlogThrottleObjects=30", "-backlogRefuseObjects=60", "-backlogThrottleBytes=0",
             "-backlogRefuseBytes=1GiB", "-backlogMaxThrottle=200ms"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->backlog_throttle_objects, 30);
  EXPECT_EQ(c->backlog_refuse_objects, 60);
  EXPECT_EQ(c->backlog_throttle_bytes, 0);
  EXPECT_EQ(c->backlog_refuse_bytes, 1LL << 30);
  EXPECT_EQ(c->backlog_max_throttle, 200ms);
  // 0 turns a limit off, so a refuse limit alone is fine.
  EXPECT_TRUE(Parse({"-backlogThrottleObjects=0", "-backlogRefuseObjects=10"}).ok());

  auto objects = Parse({"-backlogThrottleObjects=100", "-backlogRefuseObjects=50"});
  ASSERT_FALSE(objects.ok());
  EXPECT_TRUE(Contains(objects.status().message(), "-backlogRefuseObjects (50) is below"))
      << objects.status().message();
  auto bytes = Parse({"-backlogThrottleBytes=2GiB", "-backlogRefuseBytes=1GiB"});
  ASSERT_FALSE(bytes.ok());
  EXPECT_TRUE(Contains(bytes.status().message(), "-backlogThrottleBytes"))
      << bytes.status().message();
  EXPECT_FALSE(Parse({"-backlogRefuseObjects=-1"}).ok());
  // A held answer must stay well below the clients' request timeout (30 s by default).
  EXPECT_FALSE(Parse({"-backlogMaxThrottle=30s"}).ok());
  auto help = Parse({"-help"});
  ASSERT_TRUE(help.ok());
  EXPECT_TRUE(Contains(help->usage, "-backlogRefuseObjects int")) << help->usage;
}

TEST(AgentConfigTest, CompactionAndRetentionDefaults) {
  auto d = Parse({});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->compaction_max_age, 2min);
  EXPECT_EQ(d->compaction_target_size_bytes, 64LL << 20);
  EXPECT_EQ(d->default_retention_ms, 7LL * 24 * 3600 * 1000);
  EXPECT_EQ(d->default_retention_bytes, -1);

  auto c = Parse({"-compactionMaxAge=30s", "-compactionTargetSizeBytes=8MiB",
                  "-defaultRetentionMs=-1", "-defaultRetentionBytes=1073741824"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->compaction_max_age, 30s);
  EXPECT_EQ(c->compaction_target_size_bytes, 8LL << 20);
  EXPECT_EQ(c->default_retention_ms, -1);
  EXPECT_EQ(c->default_retention_bytes, 1LL << 30);
  EXPECT_FALSE(Parse({"-defaultRetentionMs=-2"}).ok());
  EXPECT_FALSE(Parse({"-compactionTargetSizeBytes=1000"}).ok());  // below 1 MiB
}

}  // namespace
}  // namespace sluice
