// Committed offsets: OffsetCommit, OffsetFetch, OffsetDelete. Offsets are read from and written to
// the metadata store on every request (never cached), so whichever agent coordinates a group
// later sees them; the coordinator only decides whether a member may commit. OffsetCommit and
// OffsetDelete run at the group's owner (forwarded there); OffsetFetch, which only reads the
// store, is answered by any agent, for any number of groups.
#include <algorithm>
#include <map>
#include <set>

#include "agent/groups/group_coordinator.h"
#include "agent/kafka/handlers/handlers.h"

namespace sluice::agent {

namespace {

constexpr size_t kMaxOffsetMetadataBytes = 4096;  // offset.metadata.max.bytes

// Partition count of a topic, or -1 when it does not exist (or the store cannot say).
Task<int32_t> PartitionCount(KafkaServices& s, std::map<std::string, int32_t>& known,
                             const std::string& topic) {
  auto it = known.find(topic);
  if (it != known.end()) co_return it->second;
  auto info = co_await s.topics.Get(topic);
  int32_t count = info.ok() && info->has_value() ? (*info)->num_partitions : -1;
  known[topic] = count;
  co_return count;
}

using StoredOffsets = std::map<std::pair<std::string, int32_t>, metadata::CommittedOffset>;

// Fills one group's answer, generic over the v0-7 and v8 response shapes.
template <typename Topic, typename Partition, typename RequestTopics>
std::vector<Topic> AnswerOffsets(const StoredOffsets& stored, const RequestTopics& requested) {
  std::vector<Topic> out;
  auto fill = [](Partition& p, const metadata::CommittedOffset* c) {
    p.committed_offset = c ? c->offset : -1;
    p.committed_leader_epoch = c ? c->leader_epoch : -1;
    p.metadata = c ? c->metadata : "";
    p.error_code = 0;
  };
  if (!requested) {  // null: every partition the group has committed
    for (const auto& [key, committed] : stored) {
      if (out.empty() || out.back().name != key.first) {
        out.emplace_back();
        out.back().name = key.first;
      }
      Partition p;
      p.partition_index = key.second;
      fill(p, &committed);
      out.back().partitions.push_back(std::move(p));
    }
    return out;
  }
  for (const auto& t : *requested) {
    Topic topic;
    topic.name = t.name;
    for (int32_t index : t.partition_indexes) {
      Partition p;
      p.partition_index = index;
      auto it = stored.find({t.name, index});
      fill(p, it == stored.end() ? nullptr : &it->second);
      topic.partitions.push_back(std::move(p));
    }
    out.push_back(std::move(topic));
  }
  return out;
}

}  // namespace

Task<OffsetCommitResponse> HandleOffsetCommit(KafkaServices& s, RequestContext ctx,
                                              OffsetCommitRequest req) {
  const int16_t allowed = NotOwnedHere(ctx)
                              ? Code(ErrorCode::kNotCoordinator)
                              : s.groups.ValidateOffsetCommit(req.group_id, req.generation_id,
                                                              req.member_id, req.group_instance_id);
  OffsetCommitResponse response;
  std::map<std::string, int32_t> partition_counts;
  std::vector<std::tuple<std::string, int32_t, metadata::CommittedOffset>> to_store;
  std::vector<OffsetCommitResponse::OffsetCommitResponsePartition*> stored_answers;
  const int64_t now = s.clock.NowMs();
  for (auto& topic : req.topics) {
    auto& topic_out = response.topics.emplace_back();
    topic_out.name = topic.name;
    const int32_t partitions =
        allowed == 0 ? co_await PartitionCount(s, partition_counts, topic.name) : 0;
    for (auto& p : topic.partitions) {
      auto& out = topic_out.partitions.emplace_back();
      out.partition_index = p.partition_index;
      const std::string metadata = p.committed_metadata.value_or("");
      if (allowed != 0) {
        out.error_code = allowed;
      } else if (metadata.size() > kMaxOffsetMetadataBytes) {
        out.error_code = Code(ErrorCode::kOffsetMetadataTooLarge);
      } else if (p.partition_index < 0 || p.partition_index >= partitions) {
        out.error_code = Code(ErrorCode::kUnknownTopicOrPartition);
      } else {
        metadata::CommittedOffset committed;
        committed.offset = p.committed_offset;
        committed.leader_epoch = p.committed_leader_epoch;
        committed.metadata = metadata;
        committed.commit_time_ms = now;
        to_store.emplace_back(topic.name, p.partition_index, std::move(committed));
      }
    }
  }
  // Pointers into the response are taken only after it stopped growing.
  for (auto& t : response.topics) {
    for (auto& p : t.partitions) {
      if (p.error_code == 0) stored_answers.push_back(&p);
    }
  }
  if (!to_store.empty()) {
    Status stored = co_await s.store.CommitOffsets(req.group_id, std::move(to_store));
    if (!stored.ok()) {
      // Retriable for every client: it looks the coordinator up again and retries.
      for (auto* p : stored_answers) p->error_code = Code(ErrorCode::kCoordinatorNotAvailable);
    }
  }
  co_return response;
}

// TxnOffsetCommit at the group's owner (routed like OffsetCommit): generation/member checks when
// v3 names a member or a generation; v0-2 and "generation -1, no member" are accepted whatever the
// group's state (sendOffsetsToTransaction(offsets, groupId), as Kafka). The store then checks the
// producer (id, epoch) and that the transaction is Ongoing with the group added.
Task<TxnOffsetCommitResponse> HandleTxnOffsetCommit(KafkaServices& s, RequestContext ctx,
                                                    TxnOffsetCommitRequest req) {
  int16_t allowed = NotOwnedHere(ctx) ? Code(ErrorCode::kNotCoordinator) : 0;
  if (allowed == 0 && ctx.api_version >= 3 && (!req.member_id.empty() || req.generation_id >= 0)) {
    allowed = s.groups.ValidateOffsetCommit(req.group_id, req.generation_id, req.member_id,
                                            req.group_instance_id);
  }
  TxnOffsetCommitResponse response;
  std::map<std::string, int32_t> partition_counts;
  std::vector<std::tuple<std::string, int32_t, metadata::CommittedOffset>> to_stage;
  const int64_t now = s.clock.NowMs();
  for (auto& topic : req.topics) {
    auto& topic_out = response.topics.emplace_back();
    topic_out.name = topic.name;
    const int32_t partitions =
        allowed == 0 ? co_await PartitionCount(s, partition_counts, topic.name) : 0;
    for (auto& p : topic.partitions) {
      auto& out = topic_out.partitions.emplace_back();
      out.partition_index = p.partition_index;
      const std::string metadata = p.committed_metadata.value_or("");
      if (allowed != 0) {
        out.error_code = allowed;
      } else if (metadata.size() > kMaxOffsetMetadataBytes) {
        out.error_code = Code(ErrorCode::kOffsetMetadataTooLarge);
      } else if (p.partition_index < 0 || p.partition_index >= partitions) {
        out.error_code = Code(ErrorCode::kUnknownTopicOrPartition);
      } else {
        metadata::CommittedOffset committed;
        committed.offset = p.committed_offset;
        committed.leader_epoch = p.committed_leader_epoch;
        committed.metadata = metadata;
        committed.commit_time_ms = now;
        to_stage.emplace_back(topic.name, p.partition_index, std::move(committed));
      }
    }
  }
  if (to_stage.empty()) co_return response;
  auto staged = co_await s.store.StageTxnOffsets(
      metadata::TxnProducer{.transactional_id = req.transactional_id,
                            .producer_id = req.producer_id,
                            .producer_epoch = req.producer_epoch},
      req.group_id, std::move(to_stage), now);
  // One answer for every partition that reached the store; Kafka uses 47 here at every version.
  const int16_t code = !staged.ok() ? Code(ErrorCode::kCoordinatorNotAvailable)
                                    : TxnErrorForVersion(*staged, ctx.api_version, INT16_MAX);
  for (auto& t : response.topics) {
    for (auto& p : t.partitions) {
      if (p.error_code == 0) p.error_code = code;
    }
  }
  co_return response;
}

// OffsetFetch v7+ require_stable (read_committed consumers): partitions with offsets staged by
// an open transaction answer UNSTABLE_OFFSET_COMMIT (retriable), as do all when the store fails.
template <typename Topic>
Task<void> MarkUnstableOffsets(KafkaServices& s, const std::string& group,
                               std::vector<Topic>& topics) {
  std::vector<std::pair<std::string, int32_t>> asked;
  for (const auto& t : topics) {
    for (const auto& p : t.partitions) {
      if (p.error_code == 0) asked.emplace_back(t.name, p.partition_index);
    }
  }
  if (asked.empty()) co_return;
  auto pending = co_await s.store.PendingTxnOffsets(group, asked);
  // A back end without transactions (SQLite does not implement this call yet) has nothing
  // staged: answering UNSTABLE_OFFSET_COMMIT there would make every read_committed consumer
  // (librdkafka's default, require_stable) retry its offset fetch forever.
  if (!pending.ok() && pending.status().code() == StatusCode::kUnimplemented) co_return;
  for (auto& t : topics) {
    for (auto& p : t.partitions) {
      if (p.error_code != 0) continue;
      if (pending.ok() && std::find(pending->begin(), pending->end(),
                                    std::make_pair(t.name, p.partition_index)) == pending->end()) {
        continue;
      }
      p.error_code = Code(ErrorCode::kUnstableOffsetCommit);
      p.committed_offset = -1;
    }
  }
}

Task<OffsetFetchResponse> HandleOffsetFetch(KafkaServices& s, RequestContext ctx,
                                            OffsetFetchRequest req) {
  OffsetFetchResponse response;
  if (ctx.api_version >= 8) {
    for (const auto& g : req.groups) {
      auto& out = response.groups.emplace_back();
      out.group_id = g.group_id;
      auto stored = co_await s.store.FetchOffsets(g.group_id);
      if (!stored.ok()) {
        out.error_code = Code(ErrorCode::kCoordinatorNotAvailable);
        continue;
      }
      out.topics =
          AnswerOffsets<OffsetFetchResponse::OffsetFetchResponseTopics,
                        OffsetFetchResponse::OffsetFetchResponsePartitions>(*stored, g.topics);
      if (req.require_stable) co_await MarkUnstableOffsets(s, g.group_id, out.topics);
    }
    co_return response;
  }
  auto stored = co_await s.store.FetchOffsets(req.group_id);
  if (!stored.ok()) {
    response.error_code = Code(ErrorCode::kCoordinatorNotAvailable);
    // v0-1 have no top-level error: say it on every requested partition.
    if (req.topics) {
      for (const auto& t : *req.topics) {
        auto& topic = response.topics.emplace_back();
        topic.name = t.name;
        for (int32_t index : t.partition_indexes) {
          auto& p = topic.partitions.emplace_back();
          p.partition_index = index;
          p.committed_offset = -1;
          p.error_code = Code(ErrorCode::kCoordinatorNotAvailable);
        }
      }
    }
    co_return response;
  }
  response.topics =
      AnswerOffsets<OffsetFetchResponse::OffsetFetchResponseTopic,
                    OffsetFetchResponse::OffsetFetchResponsePartition>(*stored, req.topics);
  if (ctx.api_version >= 7 && req.require_stable) {
    co_await MarkUnstableOffsets(s, req.group_id, response.topics);
  }
  co_return response;
}

Task<OffsetDeleteResponse> HandleOffsetDelete(KafkaServices& s, RequestContext ctx,
                                              OffsetDeleteRequest req) {
  OffsetDeleteResponse response;
  if (req.group_id.empty()) {
    response.error_code = Code(ErrorCode::kInvalidGroupId);
    co_return response;
  }
  if (NotOwnedHere(ctx)) {
    response.error_code = Code(ErrorCode::kNotCoordinator);
    co_return response;
  }
  auto described = s.groups.Describe(req.group_id);
  if (!described) {
    auto stored = co_await s.store.FetchOffsets(req.group_id);
    if (!stored.ok()) {
      response.error_code = Code(ErrorCode::kCoordinatorNotAvailable);
      co_return response;
    }
    if (stored->empty()) {
      response.error_code = Code(ErrorCode::kGroupIdNotFound);
      co_return response;
    }
  } else if (!described->members.empty() && described->protocol_type != "consumer") {
    response.error_code = Code(ErrorCode::kNonEmptyGroup);
    co_return response;
  }
  // An active consumer group keeps the offsets of topics it still subscribes to.
  const std::set<std::string> subscribed =
      s.groups.SubscribedTopics(req.group_id).value_or(std::set<std::string>{});
  std::map<std::string, int32_t> partition_counts;
  std::vector<std::pair<std::string, int32_t>> to_delete;
  for (const auto& topic : req.topics) {
    auto& topic_out = response.topics.emplace_back();
    topic_out.name = topic.name;
    const int32_t partitions = co_await PartitionCount(s, partition_counts, topic.name);
    for (const auto& p : topic.partitions) {
      auto& out = topic_out.partitions.emplace_back();
      out.partition_index = p.partition_index;
      if (subscribed.count(topic.name)) {
        out.error_code = Code(ErrorCode::kGroupSubscribedToTopic);
      } else if (p.partition_index < 0 || p.partition_index >= partitions) {
        out.error_code = Code(ErrorCode::kUnknownTopicOrPartition);
      } else {
        to_delete.emplace_back(topic.name, p.partition_index);
      }
    }
  }
  if (!to_delete.empty()) {
    Status deleted = co_await s.store.DeleteOffsets(req.group_id, std::move(to_delete));
    if (!deleted.ok()) response.error_code = Code(ErrorCode::kCoordinatorNotAvailable);
  }
  co_return response;
}

}  // namespace sluice::agent
