#include "observability/logger.h"

#include <gtest/gtest.h>

// Boost 1.74's JSON parser still includes the deprecated <boost/bind.hpp>.
#define BOOST_BIND_GLOBAL_PLACEHOLDERS
#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <chrono>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace sluice::obs {
namespace {

class CaptureSink : public LogSink {
 public:
  void Write(std::string_view line) override {
    std::lock_guard lock(mu);
    lines.emplace_back(line);
  }
  std::mutex mu;
  std::vector<std::string> lines;
};

// Parses one line with Boost.PropertyTree's strict JSON parser (every value comes back as a
// string).
bool ParseJson(const std::string& line, boost::property_tree::ptree* out) {
  std::istringstream in(line);
  try {
    boost::property_tree::read_json(in, *out);
    return true;
  } catch (const boost::property_tree::json_parser_error&) {
    return false;
  }
}

std::string Field(const boost::property_tree::ptree& pt, const std::string& key) {
  auto it = pt.find(key);
  return it == pt.not_found() ? "<missing>" : it->second.data();
}

std::chrono::system_clock::time_point FixedTime() {
  // 2026-01-02T03:04:05.678Z
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(1767323045678));
}

TEST(LoggerTest, TextLineHasTimeLevelMessageAndFields) {
  auto sink = std::make_shared<CaptureSink>();
  Logger log(LogLevel::kInfo, LogFormat::kText, sink, FixedTime);
  log.Info("flushed segment", {{"partitions", 3}, {"topic", "orders"}, {"note", "two words"}});
  ASSERT_EQ(sink->lines.size(), 1u);
  EXPECT_EQ(sink->lines[0],
            "2026-01-02T03:04:05.678Z INFO flushed segment partitions=3 topic=orders "
            "note=\"two words\"\n");
}

TEST(LoggerTest, LevelsBelowTheMinimumAreDropped) {
  auto sink = std::make_shared<CaptureSink>();
  Logger log(LogLevel::kWarn, LogFormat::kText, sink, FixedTime);
  log.Debug("d");
  log.Info("i");
  log.Warn("w");
  log.Error("e");
  ASSERT_EQ(sink->lines.size(), 2u);
  EXPECT_NE(sink->lines[0].find(" WARN w"), std::string::npos);
  EXPECT_NE(sink->lines[1].find(" ERROR e"), std::string::npos);
}

TEST(LoggerTest, JsonLinesAreValidJsonWithEscapes) {
  auto sink = std::make_shared<CaptureSink>();
  Logger log(LogLevel::kDebug, LogFormat::kJson, sink, FixedTime);
  std::string tricky = "say \"hi\"\nnext line\\ tab\t ctrl\x01 é";
  log.Log(LogLevel::kError, tricky,
          {{"key\"q", tricky},
           {"n", -7},
           {"big", uint64_t{18446744073709551615ull}},
           {"ratio", 0.5},
           {"ok", true},
           {"nan", 0.0 / 0.0}});
  ASSERT_EQ(sink->lines.size(), 1u);
  const std::string& line = sink->lines[0];
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one event, one line";
  boost::property_tree::ptree pt;
  ASSERT_TRUE(ParseJson(line, &pt)) << line;
  EXPECT_EQ(Field(pt, "ts"), "2026-01-02T03:04:05.678Z");
  EXPECT_EQ(Field(pt, "level"), "error");
  EXPECT_EQ(Field(pt, "msg"), tricky);
  EXPECT_EQ(Field(pt, "key\"q"), tricky);
  EXPECT_EQ(Field(pt, "n"), "-7");
  EXPECT_EQ(Field(pt, "big"), "18446744073709551615");
  EXPECT_EQ(Field(pt, "ratio"), "0.5");
  EXPECT_EQ(Field(pt, "ok"), "true");
  EXPECT_EQ(Field(pt, "nan"), "NaN");
  // The raw text must carry numbers and booleans unquoted.
  EXPECT_NE(line.find("\"n\":-7,"), std::string::npos);
  EXPECT_NE(line.find("\"ok\":true,"), std::string::npos);
}

TEST(LoggerTest, ConcurrentWritersNeverInterleaveLines) {
  auto sink = std::make_shared<CaptureSink>();
  Logger log(LogLevel::kInfo, LogFormat::kJson, sink, FixedTime);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) log.Info("event", {{"thread", t}, {"i", i}});
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(sink->lines.size(), 2000u);
  for (const auto& line : sink->lines) {
    boost::property_tree::ptree pt;
    EXPECT_TRUE(ParseJson(line, &pt)) << line;
  }
}

TEST(LoggerTest, ParsesLevelsAndFormats) {
  EXPECT_EQ(*ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(*ParseLogLevel("warn"), LogLevel::kWarn);
  EXPECT_EQ(*ParseLogFormat("json"), LogFormat::kJson);
  auto bad = ParseLogLevel("loud");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("debug, info, warn, error"), std::string::npos);
  EXPECT_FALSE(ParseLogFormat("xml").ok());
}

}  // namespace
}  // namespace sluice::obs
