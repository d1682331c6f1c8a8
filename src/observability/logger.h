// A structured logger: one line per event, text (logfmt-like) or JSON, written through a sink
// (stderr by default). It is an instance owned by the agent and passed around, not a global.
// Log() is cheap when the level is disabled (one comparison) and thread-safe (a line is formatted
// without a lock and written with one call under the sink's mutex).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>

#include "common/status.h"

namespace sluice::obs {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class LogFormat { kText, kJson };

// "debug" | "info" | "warn" (or "warning") | "error"; anything else is an InvalidArgument.
Result<LogLevel> ParseLogLevel(std::string_view s);
// "text" | "json".
Result<LogFormat> ParseLogFormat(std::string_view s);
std::string_view LogLevelName(LogLevel level);

// One key/value of a log event. Keys are expected to be plain identifiers; values of any kind.
struct LogField {
  using Value = std::variant<std::string_view, int64_t, uint64_t, double, bool>;
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, bool v) : key(k), value(v) {}
  LogField(std::string_view k, double v) : key(k), value(v) {}
  LogField(std::string_view k, int v) : key(k), value(int64_t{v}) {}
  LogField(std::string_view k, long v) : key(k), value(int64_t{v}) {}
  LogField(std::string_view k, long long v) : key(k), value(int64_t{v}) {}
  LogField(std::string_view k, unsigned v) : key(k), value(uint64_t{v}) {}
  LogField(std::string_view k, unsigned long v) : key(k), value(uint64_t{v}) {}
  LogField(std::string_view k, unsigned long long v) : key(k), value(uint64_t{v}) {}
  std::string_view key;
  Value value;
};

// Where finished lines go. Write() receives one complete line including the trailing newline.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Write(std::string_view line) = 0;
};

// Writes to a stdio stream (stderr by default) under a mutex, one fwrite per line.
class StreamLogSink : public LogSink {
 public:
  explicit StreamLogSink(std::FILE* stream = stderr) : stream_(stream) {}
  void Write(std::string_view line) override;

 private:
  std::mutex mu_;
  std::FILE* stream_;
};

class Logger {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // sink == nullptr means stderr. clock == nullptr means the system clock (tests inject one).
  Logger(LogLevel min_level, LogFormat format, std::shared_ptr<LogSink> sink = nullptr,
         Clock clock = nullptr);

  bool Enabled(LogLevel level) const { return level >= min_level_; }
  void Log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields = {});
  void Debug(std::string_view msg, std::initializer_list<LogField> fields = {}) {
    if (Enabled(LogLevel::kDebug)) Log(LogLevel::kDebug, msg, fields);
  }
  void Info(std::string_view msg, std::initializer_list<LogField> fields = {}) {
    if (Enabled(LogLevel::kInfo)) Log(LogLevel::kInfo, msg, fields);
  }
  void Warn(std::string_view msg, std::initializer_list<LogField> fields = {}) {
    if (Enabled(LogLevel::kWarn)) Log(LogLevel::kWarn, msg, fields);
  }
  void Error(std::string_view msg, std::initializer_list<LogField> fields = {}) {
    if (Enabled(LogLevel::kError)) Log(LogLevel::kError, msg, fields);
  }

  // Formats one event as a line (with trailing newline); exposed for tests.
  std::string Format(std::chrono::system_clock::time_point ts, LogLevel level, std::string_view msg,
                     std::initializer_list<LogField> fields) const;

 private:
  LogLevel min_level_;
  LogFormat format_;
  std::shared_ptr<LogSink> sink_;
  Clock clock_;
};

// RFC 3339 UTC with milliseconds, e.g. 2026-01-02T03:04:05.678Z.
std::string FormatTimestamp(std::chrono::system_clock::time_point ts);
// Appends s as a JSON string literal (quotes included), escaping quotes, backslashes and control
// characters; bytes >= 0x80 are passed through (UTF-8 is expected).
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace sluice::obs
