// Topic configuration keys Sluice knows, their defaults and validation. Unknown keys are rejected
// like Kafka does (INVALID_CONFIG), so typos do not pass silently.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "metadata/metadata_store.h"

namespace sluice::agent {

enum class ConfigType : int8_t {  // Kafka's DescribeConfigs config_type values
  kUnknown = 0,
  kBoolean = 1,
  kString = 2,
  kInt = 3,
  kShort = 4,
  kLong = 5,
  kDouble = 6,
  kList = 7,
  kClass = 8,
  kPassword = 9
};

struct TopicConfigDef {
  std::string name;
  std::string default_value;
  ConfigType type;
  std::string documentation;
};

const std::vector<TopicConfigDef>& KnownTopicConfigs();
const TopicConfigDef* FindTopicConfig(const std::string& name);

// InvalidArgument naming the key and what is valid.
Status ValidateTopicConfig(const std::string& name, const std::string& value);

// The effective value: explicit on the topic, else the default.
std::string EffectiveTopicConfig(const metadata::ConfigMap& explicit_configs,
                                 const std::string& name);

// Kafka's rules for topic names: 1..249 chars of [a-zA-Z0-9._-], not "." or "..".
Status ValidateTopicName(const std::string& name);

}  // namespace sluice::agent
