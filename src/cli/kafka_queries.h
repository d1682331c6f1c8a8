// Queries several admin commands share, on top of the generated messages.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "client/kafka_client.h"
#include "common/status.h"
#include "protocol/messages/metadata.h"

namespace sluice::cli {

inline constexpr int64_t kEarliestTimestamp = -2;
inline constexpr int64_t kLatestTimestamp = -1;

// Metadata for the named topics (all topics when `topics` is empty), without auto-creation.
// A named topic that does not exist is NotFound.
Result<protocol::MetadataResponse> GetMetadata(client::KafkaClient& client,
                                               const std::vector<std::string>& topics);

// Partition ids of one topic, sorted; NotFound for an unknown topic.
Result<std::vector<int32_t>> TopicPartitionIds(client::KafkaClient& client,
                                               const std::string& topic);

// ListOffsets for every partition of `topic` at `timestamp` (-2 earliest, -1 latest, else the
// first offset whose timestamp is >= it; -1 when there is none).
Result<std::map<int32_t, int64_t>> ListOffsets(client::KafkaClient& client,
                                               const std::string& topic,
                                               const std::vector<int32_t>& partitions,
                                               int64_t timestamp);

// A client connected to the coordinator of `group` (the same agent when it is the coordinator).
Result<client::KafkaClient> ConnectToGroupCoordinator(client::KafkaClient& client,
                                                      const std::string& group);

}  // namespace sluice::cli
