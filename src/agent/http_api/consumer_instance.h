// A REST Proxy consumer instance: a member of a Kafka consumer group that talks to its group
// exactly like a Kafka client, by encoding JoinGroup/SyncGroup/Heartbeat/LeaveGroup/OffsetCommit/
// OffsetFetch requests and running them through the agent's KafkaApi (so whatever routing or
// forwarding the Kafka path does for groups applies here too). A background loop keeps the
// membership alive (heartbeats, rejoins on rebalance); HTTP polls read the assigned partitions.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/http_api/consumer_protocol_codec.h"
#include "agent/http_api/rest_state.h"
#include "common/async_event.h"

namespace sluice::agent::http_api {

struct ConsumerConfig {
  EmbeddedFormat format = EmbeddedFormat::kBinary;
  bool reset_to_earliest = false;  // auto.offset.reset
  bool reset_none = false;         // auto.offset.reset=none: no committed offset is an error
  bool auto_commit = true;         // auto.commit.enable: commit positions after every poll
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds heartbeat_interval{500};
  int32_t session_timeout_ms = 10000;
};

struct TopicPartitionOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string metadata;
};

class ConsumerInstance : public std::enable_shared_from_this<ConsumerInstance> {
 public:
  ConsumerInstance(std::shared_ptr<RestState> state, std::string group, std::string name,
                   ConsumerConfig config);

  const std::string& group() const { return group_; }
  const std::string& name() const { return name_; }
  const ConsumerConfig& config() const { return config_; }
  const std::vector<std::string>& subscription() const { return topics_; }
  std::vector<std::pair<std::string, int32_t>> Assignment() const;

  void Touch() { last_used_ = std::chrono::steady_clock::now(); }
  bool IdleExpired(std::chrono::steady_clock::time_point now) const {
    return now - last_used_ > config_.idle_timeout;
  }

  // Replaces the subscription and (re)joins the group in the background.
  void Subscribe(std::vector<std::string> topics);
  // Leaves the group (in the background) and forgets the assignment and positions.
  void Unsubscribe();
  // Unsubscribe for good: the instance is being deleted.
  void Close();

  // Records of the assigned partitions from the current positions, waiting up to `timeout` for
  // the first; advances the positions (and commits them when auto_commit).
  Task<std::optional<Json>> Poll(std::chrono::milliseconds timeout, uint64_t max_bytes,
                                 RestError* error);
  // Commits `offsets` (each the offset of the last record processed; the group stores offset+1,
  // as REST Proxy v2 does), or every current position when empty.
  Task<std::optional<RestError>> Commit(std::vector<TopicPartitionOffset> offsets);
  // The group's committed offsets of these partitions.
  Task<std::optional<RestError>> Committed(std::vector<TopicPartitionOffset>& partitions);
  // Seeks: to an offset, or to the beginning / end of each partition.
  Task<std::optional<RestError>> Seek(const std::vector<TopicPartitionOffset>& offsets);
  Task<std::optional<RestError>> SeekToEdge(const std::vector<TopicPartitionOffset>& partitions,
                                            bool beginning);

 private:
  template <typename Request, typename Response>
  Task<Result<Response>> Call(int16_t version, const Request& request);
  static Task<void> MembershipLoop(std::shared_ptr<ConsumerInstance> self);
  Task<bool> Join();
  Task<void> Leave();
  Task<void> Sleep(std::chrono::milliseconds duration);
  void Wake();
  // Position of a partition: committed offset, else auto.offset.reset.
  Task<std::optional<RestError>> EnsurePosition(const std::string& topic, int32_t partition);
  Task<std::optional<RestError>> ResetPosition(const std::string& topic, int32_t partition);

  std::shared_ptr<RestState> state_;
  std::string group_;
  std::string name_;
  ConsumerConfig config_;
  uint64_t connection_id_;
  std::chrono::steady_clock::time_point last_used_;

  std::vector<std::string> topics_;
  uint64_t subscription_version_ = 0;
  bool closed_ = false;
  bool loop_running_ = false;
  std::string member_id_;
  int32_t generation_ = -1;  // -1: not (or no longer) a member of a stable generation
  TopicPartitions assigned_;
  std::map<std::pair<std::string, int32_t>, int64_t> positions_;
  Signal joined_;
  asio::steady_timer wake_timer_;
  bool wake_pending_ = false;
};

// Deletes instances idle for longer than their timeout, every second, until the proxy stops.
void StartInstanceReaper(std::shared_ptr<RestState> state);

}  // namespace sluice::agent::http_api
