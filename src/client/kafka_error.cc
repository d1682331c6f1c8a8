#include "client/kafka_error.h"

#include "protocol/error_codes.h"

namespace sluice::client {

Status KafkaError(int16_t code, const std::string& subject,
                  const std::optional<std::string>& message) {
  if (code == 0) return Status::Ok();
  std::string text = subject + ": " +
                     std::string(protocol::ErrorCodeName(static_cast<protocol::ErrorCode>(code))) +
                     " (" + std::to_string(code) + ")";
  if (message && !message->empty()) text += ": " + *message;
  if (code == static_cast<int16_t>(protocol::ErrorCode::kUnknownTopicOrPartition) ||
      code == static_cast<int16_t>(protocol::ErrorCode::kGroupIdNotFound)) {
    return Status::NotFound(text);
  }
  if (code == static_cast<int16_t>(protocol::ErrorCode::kTopicAlreadyExists)) {
    return Status::AlreadyExists(text);
  }
  return Status::Unavailable(text);
}

}  // namespace sluice::client
