#include "agent/kafka/topic_configs.h"

#include <charconv>

namespace sluice::agent {

const std::vector<TopicConfigDef>& KnownTopicConfigs() {
  static const std::vector<TopicConfigDef> kDefs = {
      {"cleanup.policy", "delete", ConfigType::kList, "delete, compact or both"},
      {"compression.type", "producer", ConfigType::kString,
       "producer (keep what the producer sent); stored batches are never recompressed"},
      {"delete.retention.ms", "86400000", ConfigType::kLong, "how long tombstones are kept"},
      {"file.delete.delay.ms", "60000", ConfigType::kLong, "accepted for compatibility"},
      {"flush.messages", "9223372036854775807", ConfigType::kLong, "accepted for compatibility"},
      {"flush.ms", "9223372036854775807", ConfigType::kLong, "accepted for compatibility"},
      {"index.interval.bytes", "4096", ConfigType::kInt, "accepted for compatibility"},
      {"max.compaction.lag.ms", "9223372036854775807", ConfigType::kLong, "compaction lag bound"},
      {"max.message.bytes", "1048588", ConfigType::kInt, "largest record batch accepted"},
      {"message.timestamp.difference.max.ms", "9223372036854775807", ConfigType::kLong,
       "accepted for compatibility"},
      {"message.timestamp.type", "CreateTime", ConfigType::kString, "CreateTime or LogAppendTime"},
      {"min.cleanable.dirty.ratio", "0.5", ConfigType::kDouble, "accepted for compatibility"},
      {"min.compaction.lag.ms", "0", ConfigType::kLong, "compaction lag bound"},
      {"min.insync.replicas", "1", ConfigType::kInt,
       "accepted for compatibility; data is durable in object storage before any ack"},
      {"preallocate", "false", ConfigType::kBoolean, "accepted for compatibility"},
      {"retention.bytes", "-1", ConfigType::kLong, "per-partition size limit, -1 = none"},
      {"retention.ms", "604800000", ConfigType::kLong, "age limit, -1 = none"},
      {"segment.bytes", "1073741824", ConfigType::kInt, "accepted for compatibility"},
      {"segment.index.bytes", "10485760", ConfigType::kInt, "accepted for compatibility"},
      {"segment.jitter.ms", "0", ConfigType::kLong, "accepted for compatibility"},
      {"segment.ms", "604800000", ConfigType::kLong, "accepted for compatibility"},
      {"unclean.leader.election.enable", "false", ConfigType::kBoolean,
       "accepted for compatibility"},
      {"message.downconversion.enable", "true", ConfigType::kBoolean, "accepted for compatibility"},
  };
  return kDefs;
}

const TopicConfigDef* FindTopicConfig(const std::string& name) {
  for (const auto& def : KnownTopicConfigs()) {
    if (def.name == name) return &def;
  }
  return nullptr;
}

namespace {
bool ParseInt64(const std::string& s, int64_t& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size() && !s.empty();
}
}  // namespace

Status ValidateTopicConfig(const std::string& name, const std::string& value) {
  const TopicConfigDef* def = FindTopicConfig(name);
  if (!def) return Status::InvalidArgument("unknown topic config '" + name + "'");
  int64_t n = 0;
  switch (def->type) {
    case ConfigType::kInt:
    case ConfigType::kLong:
      if (!ParseInt64(value, n)) {
        return Status::InvalidArgument("config '" + name + "' needs an integer, got '" + value +
                                       "'");
      }
      if (def->type == ConfigType::kInt && (n < INT32_MIN || n > INT32_MAX)) {
        return Status::InvalidArgument("config '" + name + "' is out of the int range");
      }
      if ((name == "retention.ms" || name == "retention.bytes") ? n < -1 : n < 0) {
        return Status::InvalidArgument("config '" + name + "' must not be negative");
      }
      if (name == "max.message.bytes" && n < 1) {
        return Status::InvalidArgument("max.message.bytes must be at least 1");
      }
      break;
    case ConfigType::kBoolean:
      if (value != "true" && value != "false") {
        return Status::InvalidArgument("config '" + name + "' must be true or false");
      }
      break;
    case ConfigType::kDouble: {
      double d = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), d);
      if (value.empty() || ec != std::errc() || ptr != value.data() + value.size()) {
        return Status::InvalidArgument("config '" + name + "' needs a number");
      }
      break;
    }
    default:
      break;
  }
  if (name == "cleanup.policy") {
    if (value != "delete" && value != "compact" && value != "compact,delete" &&
        value != "delete,compact") {
      return Status::InvalidArgument("cleanup.policy must be delete, compact or compact,delete");
    }
  }
  if (name == "message.timestamp.type" && value != "CreateTime" && value != "LogAppendTime") {
    return Status::InvalidArgument("message.timestamp.type must be CreateTime or LogAppendTime");
  }
  if (name == "compression.type") {
    static const char* kValid[] = {"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"};
    bool ok = false;
    for (const char* v : kValid) ok = ok || value == v;
    if (!ok) {
      return Status::InvalidArgument(
          "compression.type must be producer, uncompressed, gzip, snappy, lz4 or zstd");
    }
  }
  return Status::Ok();
}

std::string EffectiveTopicConfig(const metadata::ConfigMap& explicit_configs,
                                 const std::string& name) {
  if (auto it = explicit_configs.find(name); it != explicit_configs.end()) return it->second;
  const TopicConfigDef* def = FindTopicConfig(name);
  return def ? def->default_value : "";
}

Status ValidateTopicName(const std::string& name) {
  if (name.empty()) return Status::InvalidArgument("topic name is empty");
  if (name.size() > 249) return Status::InvalidArgument("topic name is longer than 249 characters");
  if (name == "." || name == "..") return Status::InvalidArgument("topic name cannot be . or ..");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) {
      return Status::InvalidArgument("topic name '" + name +
                                     "' has characters outside [a-zA-Z0-9._-]");
    }
  }
  return Status::Ok();
}

}  // namespace sluice::agent
