#include "cli/flags.h"

#include <gtest/gtest.h>

namespace sluice::cli {
namespace {

using namespace std::chrono_literals;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

struct Fixture {
  FlagSet flags{"test"};
  std::string name;
  int64_t count = 0;
  bool verbose = false;
  std::chrono::nanoseconds timeout{0};
  int64_t size = 0;
  Fixture() {
    flags.String("bucketURL", &name, "file:///tmp", "where");
    flags.Int64("count", &count, 5, 1, 100, "how many");
    flags.Bool("verbose", &verbose, false, "chatty");
    flags.Duration("timeout", &timeout, 250ms, 1ms, 10s, "how long");
    flags.Bytes("size", &size, 8 << 20, 1024, 1LL << 30, "how big");
  }
};

TEST(FlagsTest, DefaultsApplyWithoutArguments) {
  Fixture f;
  ASSERT_TRUE(f.flags.Parse({}, MapEnv()).ok());
  EXPECT_EQ(f.name, "file:///tmp");
  EXPECT_EQ(f.count, 5);
  EXPECT_FALSE(f.verbose);
  EXPECT_EQ(f.timeout, 250ms);
  EXPECT_EQ(f.size, 8 << 20);
  EXPECT_EQ(f.flags.source("count"), FlagSource::kDefault);
}

TEST(FlagsTest, AcceptsAllFourSpellings) {
  Fixture f;
  Status st = f.flags.Parse(
      {"-bucketURL", "mem://a", "-count=7", "--timeout", "1.5s", "--size=64KB"}, MapEnv());
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(f.name, "mem://a");
  EXPECT_EQ(f.count, 7);
  EXPECT_EQ(f.timeout, 1500ms);
  EXPECT_EQ(f.size, 64000);
  EXPECT_EQ(f.flags.source("count"), FlagSource::kCommandLine);
}

TEST(FlagsTest, BoolAloneIsTrueAndDoesNotConsumeTheNextArgument) {
  Fixture f;
  ASSERT_TRUE(f.flags.Parse({"-verbose", "rest", "-count", "9"}, MapEnv()).ok());
  EXPECT_TRUE(f.verbose);
  EXPECT_EQ(f.count, 5) << "parsing stops at the first positional argument, as in Go";
  EXPECT_EQ(f.flags.positional(), (std::vector<std::string>{"rest", "-count", "9"}));

  Fixture g;
  ASSERT_TRUE(g.flags.Parse({"--verbose=false", "--", "-count"}, MapEnv()).ok());
  EXPECT_FALSE(g.verbose);
  EXPECT_EQ(g.flags.source("verbose"), FlagSource::kCommandLine);
  EXPECT_EQ(g.flags.positional(), (std::vector<std::string>{"-count"}));
}

TEST(FlagsTest, EnvironmentPrecedence) {
  {
    Fixture f;  // WARPSTREAM_ alone is used
    ASSERT_TRUE(f.flags.Parse({}, MapEnv({{"WARPSTREAM_BUCKET_URL", "w"}})).ok());
    EXPECT_EQ(f.name, "w");
    EXPECT_EQ(f.flags.source("bucketURL"), FlagSource::kEnv);
  }
  {
    Fixture f;  // SLUICE_ beats WARPSTREAM_
    ASSERT_TRUE(
        f.flags.Parse({}, MapEnv({{"WARPSTREAM_BUCKET_URL", "w"}, {"SLUICE_BUCKET_URL", "s"}}))
            .ok());
    EXPECT_EQ(f.name, "s");
  }
  {
    Fixture f;  // the command line beats both
    ASSERT_TRUE(f.flags
                    .Parse({"-bucketURL=flag"},
                           MapEnv({{"WARPSTREAM_BUCKET_URL", "w"}, {"SLUICE_BUCKET_URL", "s"}}))
                    .ok());
    EXPECT_EQ(f.name, "flag");
  }
  {
    Fixture f;  // an empty variable counts as unset
    ASSERT_TRUE(f.flags.Parse({}, MapEnv({{"SLUICE_BUCKET_URL", ""}})).ok());
    EXPECT_EQ(f.name, "file:///tmp");
  }
}

TEST(FlagsTest, EnvAliasesGetBothPrefixes) {
  FlagSet flags("t");
  std::string roles;
  flags.String("roles", &roles, "proxy,jobs", "roles");
  flags.AddEnvAlias("roles", "AGENT_ROLES");
  EXPECT_EQ(flags.EnvNames("roles"),
            (std::vector<std::string>{"SLUICE_ROLES", "SLUICE_AGENT_ROLES", "WARPSTREAM_ROLES",
                                      "WARPSTREAM_AGENT_ROLES"}));
  ASSERT_TRUE(flags.Parse({}, MapEnv({{"WARPSTREAM_AGENT_ROLES", "jobs"}})).ok());
  EXPECT_EQ(roles, "jobs");
}

TEST(FlagsTest, BadEnvironmentValueNamesFlagAndVariable) {
  Fixture f;
  Status st = f.flags.Parse({}, MapEnv({{"SLUICE_COUNT", "lots"}}));
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(Contains(st.message(), "-count")) << st.message();
  EXPECT_TRUE(Contains(st.message(), "SLUICE_COUNT")) << st.message();
  EXPECT_TRUE(Contains(st.message(), "from 1 to 100")) << st.message();
}

TEST(FlagsTest, UnknownFlagsAndMissingValuesAreErrors) {
  Fixture f;
  Status st = f.flags.Parse({"-nope"}, MapEnv());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(st.message(), "unknown flag -nope")) << st.message();

  Fixture g;
  st = g.flags.Parse({"-count"}, MapEnv());
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(Contains(st.message(), "-count needs a value")) << st.message();

  Fixture h;
  EXPECT_FALSE(h.flags.Parse({"---count=1"}, MapEnv()).ok());
  EXPECT_FALSE(h.flags.Parse({"-=1"}, MapEnv()).ok());
}

TEST(FlagsTest, BadValuesSayWhatIsValid) {
  struct Case {
    std::vector<std::string> args;
    std::string expect;
  };
  for (const auto& c : std::vector<Case>{
           {{"-count=0"}, "from 1 to 100"},
           {{"-count=101"}, "from 1 to 100"},
           {{"-count=1x"}, "from 1 to 100"},
           {{"-verbose=yes"}, "true or false"},
           {{"-timeout=20s"}, "from 1ms to 10s"},
           {{"-timeout=100"}, "250ms"},
           {{"-size=512"}, "from 1KiB to 1GiB"},
           {{"-size=8 MiB"}, "KiB"},
       }) {
    Fixture f;
    Status st = f.flags.Parse(c.args, MapEnv());
    ASSERT_FALSE(st.ok()) << c.args[0];
    EXPECT_TRUE(Contains(st.message(), c.expect)) << c.args[0] << ": " << st.message();
    std::string flag_name = c.args[0].substr(0, c.args[0].find('='));
    EXPECT_TRUE(Contains(st.message(), flag_name)) << st.message();
  }
}

TEST(FlagsTest, HelpIsReportedAndUsageListsEveryFlag) {
  for (const char* h : {"-h", "-help", "--help"}) {
    Fixture f;
    ASSERT_TRUE(f.flags.Parse({h}, MapEnv()).ok());
    EXPECT_TRUE(f.flags.help_requested()) << h;
  }
  Fixture f;
  std::string usage = f.flags.Usage();
  EXPECT_TRUE(Contains(usage, "-bucketURL string")) << usage;
  EXPECT_TRUE(Contains(usage, "where (default \"file:///tmp\")")) << usage;
  EXPECT_TRUE(Contains(usage, "-count int")) << usage;
  EXPECT_TRUE(Contains(usage, "-verbose bool")) << usage;
  EXPECT_TRUE(Contains(usage, "-timeout duration")) << usage;
  EXPECT_TRUE(Contains(usage, "how long (default 250ms)")) << usage;
  EXPECT_TRUE(Contains(usage, "how big (default 8MiB)")) << usage;
  EXPECT_TRUE(Contains(usage, "SLUICE_BUCKET_URL WARPSTREAM_BUCKET_URL")) << usage;
}

TEST(FlagsTest, UpperSnake) {
  EXPECT_EQ(ToUpperSnake("bucketURL"), "BUCKET_URL");
  EXPECT_EQ(ToUpperSnake("defaultVirtualClusterID"), "DEFAULT_VIRTUAL_CLUSTER_ID");
  EXPECT_EQ(ToUpperSnake("batchMaxSizeBytes"), "BATCH_MAX_SIZE_BYTES");
  EXPECT_EQ(ToUpperSnake("kafkaPort"), "KAFKA_PORT");
  EXPECT_EQ(ToUpperSnake("URLPath"), "URL_PATH");
  EXPECT_EQ(ToUpperSnake("roles"), "ROLES");
  EXPECT_EQ(ToUpperSnake("s3Region"), "S3_REGION");
}

TEST(FlagsTest, DurationsFollowGoSyntax) {
  EXPECT_EQ(*ParseDuration("250ms"), 250ms);
  EXPECT_EQ(*ParseDuration("5ms"), 5ms);
  EXPECT_EQ(*ParseDuration("1s"), 1s);
  EXPECT_EQ(*ParseDuration("1m"), 1min);
  EXPECT_EQ(*ParseDuration("1h"), 1h);
  EXPECT_EQ(*ParseDuration("1.5s"), 1500ms);
  EXPECT_EQ(*ParseDuration("100us"), 100us);
  EXPECT_EQ(*ParseDuration("100\xc2\xb5s"), 100us);
  EXPECT_EQ(*ParseDuration("1h30m5s"), 1h + 30min + 5s);
  EXPECT_EQ(*ParseDuration(".5s"), 500ms);
  EXPECT_EQ(*ParseDuration("7ns"), 7ns);
  EXPECT_EQ(*ParseDuration("-2s"), -2s);
  EXPECT_EQ(*ParseDuration("0"), 0s);
  for (const char* bad : {"", "5", "1.5", "s", "1x", "1s2", ".s", "-", "99999999999999h", "1 s"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
  EXPECT_EQ(FormatDuration(250ms), "250ms");
  EXPECT_EQ(FormatDuration(1500ms), "1.5s");
  EXPECT_EQ(FormatDuration(90min), "1h30m0s");
  EXPECT_EQ(FormatDuration(100us), "100us");
  EXPECT_EQ(FormatDuration(0s), "0s");
}

TEST(FlagsTest, ByteSizes) {
  EXPECT_EQ(*ParseByteSize("1048576"), 1048576);
  EXPECT_EQ(*ParseByteSize("8MiB"), 8 << 20);
  EXPECT_EQ(*ParseByteSize("64KB"), 64000);
  EXPECT_EQ(*ParseByteSize("64kib"), 65536);
  EXPECT_EQ(*ParseByteSize("1GiB"), 1LL << 30);
  EXPECT_EQ(*ParseByteSize("10B"), 10);
  for (const char* bad : {"", "MiB", "-1", "1.5MiB", "8 MiB", "8XB", "99999999999TiB"}) {
    EXPECT_FALSE(ParseByteSize(bad).ok()) << bad;
  }
  EXPECT_EQ(FormatByteSize(8 << 20), "8MiB");
  EXPECT_EQ(FormatByteSize(1048588), "1048588");
}

TEST(FlagsTest, IntegersAndBools) {
  EXPECT_EQ(*ParseInt64("-42"), -42);
  EXPECT_EQ(*ParseInt64("+7"), 7);
  EXPECT_FALSE(ParseInt64("9223372036854775808").ok());
  EXPECT_FALSE(ParseInt64("").ok());
  EXPECT_FALSE(ParseInt64("0x10").ok());
  EXPECT_TRUE(*ParseBool("T"));
  EXPECT_FALSE(*ParseBool("0"));
  EXPECT_FALSE(ParseBool("yes").ok());
}

}  // namespace
}  // namespace sluice::cli
