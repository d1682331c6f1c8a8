#include "agent/http_api/consumer_instance.h"

#include <algorithm>

#include "agent/groups/consumer_protocol.h"
#include "protocol/error_codes.h"
#include "protocol/header.h"
#include "protocol/messages.h"

namespace sluice::agent::http_api {

namespace {

using namespace protocol;  // NOLINT: this file is all Kafka messages

// Non-flexible versions every coordinator path accepts; JoinGroup v3 needs no MEMBER_ID_REQUIRED
// round trip.
constexpr int16_t kJoinGroupVersion = 3;
constexpr int16_t kSyncGroupVersion = 2;
constexpr int16_t kHeartbeatVersion = 2;
constexpr int16_t kLeaveGroupVersion = 2;
constexpr int16_t kOffsetCommitVersion = 3;
constexpr int16_t kOffsetFetchVersion = 3;

int16_t Err(ErrorCode code) { return static_cast<int16_t>(code); }

RestError KafkaError(int16_t code, const std::string& what) {
  return RestError{
      rest_code::kKafkaError,
      "Kafka error: " + what + ": " + std::string(ErrorCodeName(static_cast<ErrorCode>(code)))};
}

}  // namespace

ConsumerInstance::ConsumerInstance(std::shared_ptr<RestState> state, std::string group,
                                   std::string name, ConsumerConfig config)
    : state_(std::move(state)),
      group_(std::move(group)),
      name_(std::move(name)),
      config_(config),
      connection_id_(state_->next_connection_id++),
      last_used_(std::chrono::steady_clock::now()),
      joined_(state_->services.executor),
      wake_timer_(state_->services.executor) {}

template <typename Request, typename Response>
Task<Result<Response>> ConsumerInstance::Call(int16_t version, const Request& request) {
  if (!state_->api) co_return Status::Unavailable("this agent has no Kafka API");
  Writer w;
  RequestHeader header;
  header.api_key = Request::kApiKey;
  header.api_version = version;
  header.correlation_id = 1;
  header.client_id = "sluice-rest-proxy," + name_;
  header.Encode(w, RequestHeaderVersion(Request::kApiKey, version));
  request.Encode(w, version);
  network::ConnectionInfo connection{connection_id_, "127.0.0.1:0", nullptr};
  auto admitted = co_await state_->api->Admit(connection, w.Take());
  if (!admitted.ok()) co_return admitted.status();
  std::optional<Bytes> frame = co_await std::move(admitted.value());
  if (!frame) co_return Status::Internal("no response to a group request");
  Reader r(*frame);
  ResponseHeader response_header;
  SLUICE_CO_RETURN_IF_ERROR(
      response_header.Decode(r, ResponseHeaderVersion(Request::kApiKey, version)));
  Response response;
  SLUICE_CO_RETURN_IF_ERROR(response.Decode(r, version));
  co_return response;
}

std::vector<std::pair<std::string, int32_t>> ConsumerInstance::Assignment() const {
  std::vector<std::pair<std::string, int32_t>> out;
  if (generation_ < 0) return out;
  for (const auto& [topic, partitions] : assigned_) {
    for (int32_t p : partitions) out.emplace_back(topic, p);
  }
  return out;
}

void ConsumerInstance::Subscribe(std::vector<std::string> topics) {
  std::sort(topics.begin(), topics.end());
  topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
  topics_ = std::move(topics);
  ++subscription_version_;
  generation_ = -1;  // rejoin with the new subscription
  if (!loop_running_) {
    loop_running_ = true;
    asio::co_spawn(state_->services.executor, MembershipLoop(shared_from_this()), asio::detached);
  } else {
    Wake();
  }
}

void ConsumerInstance::Unsubscribe() {
  topics_.clear();
  ++subscription_version_;
  generation_ = -1;
  assigned_.clear();
  positions_.clear();
  Wake();
}

void ConsumerInstance::Close() {
  closed_ = true;
  Unsubscribe();
}

Task<void> ConsumerInstance::Sleep(std::chrono::milliseconds duration) {
  if (wake_pending_) {
    wake_pending_ = false;
    co_return;
  }
  wake_timer_.expires_after(duration);
  boost::system::error_code ec;
  co_await wake_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  wake_pending_ = false;
}

void ConsumerInstance::Wake() {
  wake_pending_ = true;
  wake_timer_.cancel();
}

Task<void> ConsumerInstance::MembershipLoop(std::shared_ptr<ConsumerInstance> self) {
  while (!self->closed_ && !self->topics_.empty() && !self->state_->stopped) {
    if (self->generation_ < 0) {
      if (!co_await self->Join()) {
        co_await self->Sleep(std::chrono::milliseconds(200));
        continue;
      }
    }
    co_await self->Sleep(self->config_.heartbeat_interval);
    if (self->closed_ || self->topics_.empty() || self->generation_ < 0) continue;
    HeartbeatRequest heartbeat;
    heartbeat.group_id = self->group_;
    heartbeat.generation_id = self->generation_;
    heartbeat.member_id = self->member_id_;
    auto response =
        co_await self->Call<HeartbeatRequest, HeartbeatResponse>(kHeartbeatVersion, heartbeat);
    if (!response.ok() || response->error_code == 0) continue;
    const int16_t code = response->error_code;
    if (code == Err(ErrorCode::kRebalanceInProgress)) {
      // Like a Kafka consumer: commit what was consumed before giving partitions up.
      if (self->config_.auto_commit) co_await self->Commit({});
    } else if (code == Err(ErrorCode::kUnknownMemberId)) {
      self->member_id_.clear();
    }
    self->generation_ = -1;
  }
  co_await self->Leave();
  self->loop_running_ = false;
  // Subscribed again while leaving: start over.
  if (!self->closed_ && !self->topics_.empty() && !self->state_->stopped) {
    self->Subscribe(self->topics_);
  }
}

Task<bool> ConsumerInstance::Join() {
  const uint64_t version = subscription_version_;
  JoinGroupRequest join;
  join.group_id = group_;
  join.session_timeout_ms = config_.session_timeout_ms;
  join.rebalance_timeout_ms = config_.session_timeout_ms;
  join.member_id = member_id_;
  join.protocol_type = "consumer";
  join.protocols.push_back({"range", EncodeSubscription(topics_), {}});
  auto joined = co_await Call<JoinGroupRequest, JoinGroupResponse>(kJoinGroupVersion, join);
  if (!joined.ok()) co_return false;
  if (joined->error_code == Err(ErrorCode::kUnknownMemberId)) member_id_.clear();
  if (joined->error_code == Err(ErrorCode::kMemberIdRequired)) member_id_ = joined->member_id;
  if (joined->error_code != 0) co_return false;
  member_id_ = joined->member_id;

  SyncGroupRequest sync;
  sync.group_id = group_;
  sync.generation_id = joined->generation_id;
  sync.member_id = member_id_;
  if (joined->leader == member_id_) {
    std::map<std::string, std::vector<std::string>> subscriptions;
    std::map<std::string, int32_t> partition_counts;
    for (const auto& member : joined->members) {
      auto topics = groups::ParseSubscriptionTopics(member.metadata);
      subscriptions[member.member_id] = topics.ok() ? *topics : std::vector<std::string>{};
      for (const auto& t : subscriptions[member.member_id]) partition_counts[t] = 0;
    }
    for (auto& [topic, count] : partition_counts) {
      auto info = co_await state_->services.topics.Get(topic);
      if (info.ok() && info->has_value()) count = (*info)->num_partitions;
    }
    for (const auto& [member, assignment] : RangeAssign(subscriptions, partition_counts)) {
      sync.assignments.push_back({member, EncodeAssignment(assignment), {}});
    }
  }
  auto synced = co_await Call<SyncGroupRequest, SyncGroupResponse>(kSyncGroupVersion, sync);
  if (!synced.ok()) co_return false;
  if (synced->error_code == Err(ErrorCode::kUnknownMemberId)) member_id_.clear();
  if (synced->error_code != 0) co_return false;
  auto assignment = DecodeAssignment(synced->assignment);
  if (!assignment.ok()) co_return false;
  if (version != subscription_version_) co_return false;  // resubscribed meanwhile: join again
  assigned_ = std::move(*assignment);
  // Positions of partitions no longer ours are forgotten: their next owner starts from the
  // committed offset.
  for (auto it = positions_.begin(); it != positions_.end();) {
    const auto& parts = assigned_[it->first.first];
    if (std::find(parts.begin(), parts.end(), it->first.second) == parts.end()) {
      it = positions_.erase(it);
    } else {
      ++it;
    }
  }
  generation_ = joined->generation_id;
  joined_.Notify();
  co_return true;
}

Task<void> ConsumerInstance::Leave() {
  if (member_id_.empty()) co_return;
  LeaveGroupRequest leave;
  leave.group_id = group_;
  leave.member_id = member_id_;
  co_await Call<LeaveGroupRequest, LeaveGroupResponse>(kLeaveGroupVersion, leave);
  member_id_.clear();
  generation_ = -1;
}

Task<std::optional<RestError>> ConsumerInstance::ResetPosition(const std::string& topic,
                                                               int32_t partition) {
  if (config_.reset_none) {
    co_return RestError{rest_code::kKafkaError, "Kafka error: no committed offset for " + topic +
                                                    "/" + std::to_string(partition) +
                                                    " and auto.offset.reset is none"};
  }
  auto offsets = co_await state_->services.topics.Offsets(topic, partition, /*fresh=*/true);
  if (!offsets.ok()) co_return RestError{rest_code::kKafkaRetriable, offsets.status().message()};
  positions_[{topic, partition}] =
      config_.reset_to_earliest ? offsets->log_start_offset : offsets->high_watermark;
  co_return std::nullopt;
}

Task<std::optional<RestError>> ConsumerInstance::EnsurePosition(const std::string& topic,
                                                                int32_t partition) {
  if (positions_.count({topic, partition})) co_return std::nullopt;
  std::vector<TopicPartitionOffset> wanted{{topic, partition, -1, ""}};
  if (auto error = co_await Committed(wanted)) co_return error;
  if (wanted[0].offset >= 0) {
    positions_[{topic, partition}] = wanted[0].offset;
    co_return std::nullopt;
  }
  co_return co_await ResetPosition(topic, partition);
}

Task<std::optional<Json>> ConsumerInstance::Poll(std::chrono::milliseconds timeout,
                                                 uint64_t max_bytes, RestError* error) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (topics_.empty()) {
    *error = RestError{rest_code::kIllegalState,
                       "Illegal state: the consumer is not subscribed to any topics"};
    co_return std::nullopt;
  }
  while (generation_ < 0 && std::chrono::steady_clock::now() < deadline) {
    co_await joined_.WaitUntil(deadline);
  }
  Json out = Json::array();
  bool advanced = false;
  while (generation_ >= 0) {
    const int32_t generation = generation_;
    uint64_t budget = max_bytes;
    for (const auto& [topic, partition] : Assignment()) {
      if (budget == 0) break;
      if (auto failed = co_await EnsurePosition(topic, partition)) {
        *error = *failed;
        co_return std::nullopt;
      }
      if (generation != generation_) break;
      auto position = positions_.find({topic, partition});
      if (position == positions_.end()) continue;
      RestError read_error;
      auto read =
          co_await ReadPartition(*state_, topic, partition, position->second, budget, &read_error);
      if (!read.ok()) {
        if (read_error.error_code != rest_code::kInvalidOffset) {
          *error = read_error;
          co_return std::nullopt;
        }
        // The position fell out of the log (retention): apply auto.offset.reset.
        if (auto failed = co_await ResetPosition(topic, partition)) {
          *error = *failed;
          co_return std::nullopt;
        }
        continue;
      }
      budget -= std::min(budget, read->bytes);
      position = positions_.find({topic, partition});
      if (position == positions_.end()) continue;  // revoked while reading
      for (const auto& record : read->records) {
        Json item;
        if (auto bad = RecordToJson(topic, partition, record, config_.format, item)) {
          *error = *bad;
          co_return std::nullopt;
        }
        out.push_back(std::move(item));
        position->second = record.offset + 1;
        advanced = true;
      }
      // Step over offsets that hold no record any more (compacted away, or a transaction
      // marker), or the position would stay on them and trail the log end for good.
      if (read->next_offset > position->second) {
        position->second = read->next_offset;
        advanced = true;
      }
    }
    if (!out.empty() || std::chrono::steady_clock::now() >= deadline) break;
    co_await state_->services.topics.commits().WaitUntil(deadline);
  }
  if (advanced && config_.auto_commit) {
    if (auto failed = co_await Commit({})) {
      *error = *failed;
      co_return std::nullopt;
    }
  }
  co_return out;
}

Task<std::optional<RestError>> ConsumerInstance::Commit(std::vector<TopicPartitionOffset> offsets) {
  OffsetCommitRequest commit;
  commit.group_id = group_;
  commit.generation_id = generation_;
  commit.member_id = generation_ >= 0 ? member_id_ : "";
  std::map<std::string, std::vector<OffsetCommitRequest::OffsetCommitRequestPartition>> topics;
  if (offsets.empty()) {
    for (const auto& [tp, position] : positions_) {
      OffsetCommitRequest::OffsetCommitRequestPartition p;
      p.partition_index = tp.second;
      p.committed_offset = position;
      topics[tp.first].push_back(p);
    }
  } else {
    for (const auto& o : offsets) {
      OffsetCommitRequest::OffsetCommitRequestPartition p;
      p.partition_index = o.partition;
      p.committed_offset = o.offset + 1;
      p.committed_metadata = o.metadata;
      topics[o.topic].push_back(p);
    }
  }
  if (topics.empty()) co_return std::nullopt;
  for (auto& [name, partitions] : topics)
    commit.topics.push_back({name, std::move(partitions), {}});
  auto response =
      co_await Call<OffsetCommitRequest, OffsetCommitResponse>(kOffsetCommitVersion, commit);
  if (!response.ok()) co_return RestError{rest_code::kKafkaRetriable, response.status().message()};
  for (const auto& t : response->topics) {
    for (const auto& p : t.partitions) {
      if (p.error_code != 0) {
        co_return KafkaError(p.error_code, "commit of " + t.name + "/" +
                                               std::to_string(p.partition_index) + " failed");
      }
    }
  }
  co_return std::nullopt;
}

Task<std::optional<RestError>> ConsumerInstance::Committed(
    std::vector<TopicPartitionOffset>& partitions) {
  OffsetFetchRequest fetch;
  fetch.group_id = group_;
  std::map<std::string, std::vector<int32_t>> wanted;
  for (const auto& p : partitions) wanted[p.topic].push_back(p.partition);
  fetch.topics.emplace();
  for (auto& [name, indexes] : wanted) fetch.topics->push_back({name, std::move(indexes), {}});
  auto response =
      co_await Call<OffsetFetchRequest, OffsetFetchResponse>(kOffsetFetchVersion, fetch);
  if (!response.ok()) co_return RestError{rest_code::kKafkaRetriable, response.status().message()};
  if (response->error_code != 0) co_return KafkaError(response->error_code, "offset fetch");
  for (auto& p : partitions) {
    p.offset = -1;
    for (const auto& t : response->topics) {
      if (t.name != p.topic) continue;
      for (const auto& r : t.partitions) {
        if (r.partition_index == p.partition && r.error_code == 0) {
          p.offset = r.committed_offset;
          p.metadata = r.metadata.value_or("");
        }
      }
    }
  }
  co_return std::nullopt;
}

Task<std::optional<RestError>> ConsumerInstance::Seek(
    const std::vector<TopicPartitionOffset>& offsets) {
  for (const auto& o : offsets) {
    const auto& parts = assigned_[o.topic];
    if (generation_ < 0 || std::find(parts.begin(), parts.end(), o.partition) == parts.end()) {
      co_return RestError{rest_code::kIllegalState,
                          "Illegal state: No current assignment for "
                          "partition " +
                              o.topic + "-" + std::to_string(o.partition)};
    }
  }
  for (const auto& o : offsets) positions_[{o.topic, o.partition}] = o.offset;
  co_return std::nullopt;
}

Task<std::optional<RestError>> ConsumerInstance::SeekToEdge(
    const std::vector<TopicPartitionOffset>& partitions, bool beginning) {
  std::vector<TopicPartitionOffset> targets;
  for (const auto& p : partitions) {
    auto offsets = co_await state_->services.topics.Offsets(p.topic, p.partition, true);
    if (!offsets.ok()) {
      co_return RestError{rest_code::kPartitionNotFound, "Partition not found."};
    }
    targets.push_back({p.topic, p.partition,
                       beginning ? offsets->log_start_offset : offsets->high_watermark, ""});
  }
  co_return co_await Seek(targets);
}

void StartInstanceReaper(std::shared_ptr<RestState> state) {
  asio::co_spawn(
      state->services.executor,
      [](std::shared_ptr<RestState> state) -> Task<void> {
        asio::steady_timer timer(state->services.executor);
        while (!state->stopped) {
          timer.expires_after(std::chrono::milliseconds(250));
          boost::system::error_code ec;
          co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
          const auto now = std::chrono::steady_clock::now();
          for (auto it = state->instances.begin(); it != state->instances.end();) {
            if (it->second->IdleExpired(now)) {
              it->second->Close();  // its loop leaves the group
              it = state->instances.erase(it);
            } else {
              ++it;
            }
          }
        }
      }(state),
      asio::detached);
}

}  // namespace sluice::agent::http_api
