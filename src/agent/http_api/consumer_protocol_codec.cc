#include "agent/http_api/consumer_protocol_codec.h"

#include <algorithm>

#include "protocol/wire.h"

namespace sluice::agent::http_api {

using protocol::Reader;
using protocol::Writer;

Bytes EncodeSubscription(const std::vector<std::string>& topics) {
  Writer w;
  w.WriteInt16(0);
  w.WriteArrayLength(static_cast<int64_t>(topics.size()), false);
  for (const auto& t : topics) w.WriteString(t, false);
  w.WriteNullableBytes(std::nullopt, false);  // user data
  return w.Take();
}

Bytes EncodeAssignment(const TopicPartitions& assignment) {
  Writer w;
  w.WriteInt16(0);
  w.WriteArrayLength(static_cast<int64_t>(assignment.size()), false);
  for (const auto& [topic, partitions] : assignment) {
    w.WriteString(topic, false);
    w.WriteArrayLength(static_cast<int64_t>(partitions.size()), false);
    for (int32_t p : partitions) w.WriteInt32(p);
  }
  w.WriteNullableBytes(std::nullopt, false);
  return w.Take();
}

Result<TopicPartitions> DecodeAssignment(ByteView bytes) {
  TopicPartitions out;
  if (bytes.empty()) return out;  // no assignment (e.g. nothing to consume)
  Reader r(bytes);
  int16_t version = r.ReadInt16();
  if (r.ok() && version < 0) return Status::Corruption("negative assignment version");
  int64_t topics = r.ReadArrayLength(false);
  for (int64_t i = 0; r.ok() && i < topics; ++i) {
    std::string topic = r.ReadString(false);
    int64_t count = r.ReadArrayLength(false);
    auto& partitions = out[topic];
    for (int64_t j = 0; r.ok() && j < count; ++j) partitions.push_back(r.ReadInt32());
  }
  if (!r.ok()) return r.status();
  return out;  // user data and later-version fields are ignored
}

std::map<std::string, TopicPartitions> RangeAssign(
    const std::map<std::string, std::vector<std::string>>& subscriptions,
    const std::map<std::string, int32_t>& partition_counts) {
  std::map<std::string, TopicPartitions> out;
  for (const auto& [member, topics] : subscriptions) out[member];
  std::map<std::string, std::vector<std::string>> members_of;  // topic -> sorted members
  for (const auto& [member, topics] : subscriptions) {
    for (const auto& t : topics) members_of[t].push_back(member);
  }
  for (auto& [topic, members] : members_of) {
    auto count = partition_counts.find(topic);
    if (count == partition_counts.end() || count->second <= 0) continue;
    std::sort(members.begin(), members.end());
    members.erase(std::unique(members.begin(), members.end()), members.end());
    const int32_t n = count->second;
    const int32_t k = static_cast<int32_t>(members.size());
    int32_t next = 0;
    for (int32_t i = 0; i < k; ++i) {
      const int32_t take = n / k + (i < n % k ? 1 : 0);
      auto& partitions = out[members[i]][topic];
      for (int32_t j = 0; j < take; ++j) partitions.push_back(next++);
      if (partitions.empty()) out[members[i]].erase(topic);
    }
  }
  return out;
}

}  // namespace sluice::agent::http_api
