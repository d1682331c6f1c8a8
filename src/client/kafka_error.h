// Kafka error codes in responses turned into Status values that name the code and the subject.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"

namespace sluice::client {

// Ok for 0; otherwise e.g. "topic orders: UNKNOWN_TOPIC_OR_PARTITION (3): message".
Status KafkaError(int16_t code, const std::string& subject,
                  const std::optional<std::string>& message = std::nullopt);

}  // namespace sluice::client
