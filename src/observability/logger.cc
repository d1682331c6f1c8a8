#include "observability/logger.h"

#include <charconv>
#include <cmath>
#include <ctime>

namespace sluice::obs {

Result<LogLevel> ParseLogLevel(std::string_view s) {
  if (s == "debug") return LogLevel::kDebug;
  if (s == "info") return LogLevel::kInfo;
  if (s == "warn" || s == "warning") return LogLevel::kWarn;
  if (s == "error") return LogLevel::kError;
  return Status::InvalidArgument("invalid log level \"" + std::string(s) +
                                 "\": valid values are debug, info, warn, error");
}

Result<LogFormat> ParseLogFormat(std::string_view s) {
  if (s == "text") return LogFormat::kText;
  if (s == "json") return LogFormat::kJson;
  return Status::InvalidArgument("invalid log format \"" + std::string(s) +
                                 "\": valid values are text, json");
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "unknown";
}

void StreamLogSink::Write(std::string_view line) {
  std::lock_guard lock(mu_);
  std::fwrite(line.data(), 1, line.size(), stream_);
  std::fflush(stream_);
}

Logger::Logger(LogLevel min_level, LogFormat format, std::shared_ptr<LogSink> sink, Clock clock)
    : min_level_(min_level),
      format_(format),
      sink_(sink ? std::move(sink) : std::make_shared<StreamLogSink>(stderr)),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })) {}

void Logger::Log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) {
  if (!Enabled(level)) return;
  sink_->Write(Format(clock_(), level, msg, fields));
}

std::string FormatTimestamp(std::chrono::system_clock::time_point ts) {
  using namespace std::chrono;
  auto ms_total = duration_cast<milliseconds>(ts.time_since_epoch()).count();
  auto secs = static_cast<std::time_t>(ms_total / 1000);
  int ms = static_cast<int>(ms_total % 1000);
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

namespace {

std::string FormatDouble(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, end);
}

// Text values are bare when they are simple, otherwise quoted like JSON strings so that one event
// always stays on one line.
void AppendTextValue(std::string& out, std::string_view s) {
  bool bare = !s.empty();
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) {
      bare = false;
      break;
    }
  }
  if (bare) {
    out += s;
  } else {
    AppendJsonString(out, s);
  }
}

void AppendFieldValue(std::string& out, const LogField::Value& v, LogFormat format) {
  if (const auto* s = std::get_if<std::string_view>(&v)) {
    if (format == LogFormat::kJson) {
      AppendJsonString(out, *s);
    } else {
      AppendTextValue(out, *s);
    }
  } else if (const auto* i = std::get_if<int64_t>(&v)) {
    out += std::to_string(*i);
  } else if (const auto* u = std::get_if<uint64_t>(&v)) {
    out += std::to_string(*u);
  } else if (const auto* d = std::get_if<double>(&v)) {
    if (std::isfinite(*d)) {
      out += FormatDouble(*d);
    } else {
      // JSON has no NaN/Inf literal: write them as strings.
      std::string s = std::isnan(*d) ? "NaN" : (*d > 0 ? "+Inf" : "-Inf");
      if (format == LogFormat::kJson) {
        AppendJsonString(out, s);
      } else {
        out += s;
      }
    }
  } else if (const auto* b = std::get_if<bool>(&v)) {
    out += *b ? "true" : "false";
  }
}

}  // namespace

std::string Logger::Format(std::chrono::system_clock::time_point ts, LogLevel level,
                           std::string_view msg, std::initializer_list<LogField> fields) const {
  std::string out;
  out.reserve(96 + msg.size());
  if (format_ == LogFormat::kJson) {
    out += "{\"ts\":\"" + FormatTimestamp(ts) + "\",\"level\":\"";
    out += LogLevelName(level);
    out += "\",\"msg\":";
    AppendJsonString(out, msg);
    for (const auto& f : fields) {
      out += ',';
      AppendJsonString(out, f.key);
      out += ':';
      AppendFieldValue(out, f.value, format_);
    }
    out += "}\n";
  } else {
    out += FormatTimestamp(ts);
    out += ' ';
    std::string_view name = LogLevelName(level);
    for (char c : name) out += static_cast<char>(c - 'a' + 'A');
    out += ' ';
    // The message stays readable (no quotes) but control characters are escaped so that an
    // event never spans two lines.
    std::string escaped;
    AppendJsonString(escaped, msg);
    out.append(escaped, 1, escaped.size() - 2);
    for (const auto& f : fields) {
      out += ' ';
      out += f.key;
      out += '=';
      AppendFieldValue(out, f.value, format_);
    }
    out += '\n';
  }
  return out;
}

}  // namespace sluice::obs
