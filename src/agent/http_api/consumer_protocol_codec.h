// The "consumer" embedded protocol as a Kafka client writes it (version 0): subscriptions sent in
// JoinGroup, assignments sent in SyncGroup, and the range assignor a group leader runs.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace sluice::agent::http_api {

using TopicPartitions = std::map<std::string, std::vector<int32_t>>;

Bytes EncodeSubscription(const std::vector<std::string>& topics);
Bytes EncodeAssignment(const TopicPartitions& assignment);
Result<TopicPartitions> DecodeAssignment(ByteView bytes);

// Kafka's RangeAssignor: per topic, members subscribed to it sorted by id; each gets a contiguous
// range, the first (partitions % members) one partition more. `subscriptions`: member id ->
// topics; `partition_counts`: topic -> partitions (topics missing from it are skipped).
std::map<std::string, TopicPartitions> RangeAssign(
    const std::map<std::string, std::vector<std::string>>& subscriptions,
    const std::map<std::string, int32_t>& partition_counts);

}  // namespace sluice::agent::http_api
