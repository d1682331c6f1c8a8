#include "agent/console/console_data.h"

#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "agent/groups/lease_group_ownership.h"
#include "agent/http_api/consumer_protocol_codec.h"
#include "agent/http_api/json.h"

namespace sluice::agent::console {

namespace {

using http_api::Json;

// Live objects listed per snapshot; beyond this the level totals are marked truncated.
constexpr int32_t kMaxObjectsListed = 20000;

void AddError(Json& doc, const std::string& what, const Status& status) {
  doc["errors"].push_back(what + ": " + status.ToString());
}

Json SplitRoles(const std::string& roles) {
  Json out = Json::array();
  size_t start = 0;
  while (start <= roles.size()) {
    size_t comma = roles.find(',', start);
    if (comma == std::string::npos) comma = roles.size();
    if (comma > start) out.push_back(roles.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

std::string HexId(const metadata::Uuid& id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : id) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0xf];
  }
  return out;
}

// High watermarks of the topics a snapshot needs, each read from the store once.
class HighWatermarks {
 public:
  explicit HighWatermarks(metadata::MetadataStore& store) : store_(store) {}

  // nullopt when the topic or partition is unknown (e.g. deleted after the offsets were committed).
  Task<std::optional<int64_t>> Get(const std::string& topic, int32_t partition) {
    auto it = topics_.find(topic);
    if (it == topics_.end()) {
      std::map<int32_t, int64_t> marks;
      auto partitions = co_await store_.GetPartitions(topic);
      if (partitions.ok()) {
        for (const auto& p : *partitions) marks[p.partition] = p.high_watermark;
      }
      it = topics_.emplace(topic, std::move(marks)).first;
    }
    auto mark = it->second.find(partition);
    if (mark == it->second.end()) co_return std::nullopt;
    co_return mark->second;
  }

 private:
  metadata::MetadataStore& store_;
  std::map<std::string, std::map<int32_t, int64_t>> topics_;
};

Json MemberJson(const groups::MemberDescription& member) {
  Json out{{"member_id", member.member_id},
           {"client_id", member.client_id},
           {"client_host", member.client_host},
           {"group_instance_id",
            member.group_instance_id ? Json(*member.group_instance_id) : Json(nullptr)}};
  Json assignment = Json::object();
  // Only the "consumer" protocol's assignment is decodable; others stay empty.
  auto decoded = http_api::DecodeAssignment(member.assignment);
  if (decoded.ok()) {
    for (const auto& [topic, partitions] : *decoded) assignment[topic] = partitions;
  }
  out["assignment"] = std::move(assignment);
  return out;
}

}  // namespace

Task<std::string> AgentsJson(const ConsoleSources& sources) {
  const int64_t now = sources.clock.NowMs();
  const int32_t self = sources.cluster.Self().node_id;
  Json agents = Json::array();
  for (const auto& record : *sources.cluster.LiveAgents()) {
    const auto& a = record.agent;
    agents.push_back({{"node_id", record.node_id},
                      {"self", record.node_id == self},
                      {"instance_id", a.instance_id},
                      {"host", a.host},
                      {"kafka_port", a.kafka_port},
                      {"http_port", a.http_port},
                      {"roles", SplitRoles(a.roles)},
                      {"zone", a.availability_zone},
                      {"agent_group", a.agent_group},
                      {"registered_ms", record.registered_ms},
                      {"lease_expires_ms", record.lease_expires_ms},
                      // Health as the cluster sees it: a live agent renews before this runs out.
                      {"lease_remaining_ms", record.lease_expires_ms - now}});
  }
  Json doc{{"now_ms", now}, {"node_id", self}, {"agents", std::move(agents)}};
  co_return http_api::DumpJson(doc);
}

Task<std::string> TopicsJson(const ConsoleSources& sources) {
  Json doc{{"now_ms", sources.clock.NowMs()}, {"topics", Json::array()}};
  auto topics = co_await sources.store.ListTopics();
  if (!topics.ok()) {
    AddError(doc, "topics", topics.status());
    co_return http_api::DumpJson(doc);
  }
  for (const auto& topic : *topics) {
    Json t{{"name", topic.name},
           {"id", HexId(topic.id)},
           {"partition_count", topic.num_partitions},
           {"configs", topic.configs},
           {"created_ms", topic.created_ms},
           {"partitions", Json::array()}};
    auto partitions = co_await sources.store.GetPartitions(topic.name);
    if (!partitions.ok()) {
      AddError(doc, "partitions of " + topic.name, partitions.status());
      doc["topics"].push_back(std::move(t));
      continue;
    }
    int64_t topic_records = 0, topic_bytes = 0, topic_offsets = 0;
    for (const auto& p : *partitions) {
      // Records and bytes still readable (from the log start on), from the chunk index.
      int64_t records = 0, bytes = 0;
      auto chunks = co_await sources.store.FindChunks(topic.name, p.partition, p.log_start_offset,
                                                      std::numeric_limits<uint64_t>::max());
      if (chunks.ok()) {
        for (const auto& c : *chunks) {
          records += c.record_count;
          bytes += c.byte_length;
        }
      } else {
        AddError(doc, "chunks of " + topic.name, chunks.status());
      }
      topic_records += records;
      topic_bytes += bytes;
      topic_offsets += p.high_watermark;
      t["partitions"].push_back({{"partition", p.partition},
                                 {"log_start_offset", p.log_start_offset},
                                 {"high_watermark", p.high_watermark},
                                 {"records", records},
                                 {"bytes", bytes}});
    }
    t["records"] = topic_records;
    t["bytes"] = topic_bytes;
    t["high_watermark_sum"] = topic_offsets;  // the page's throughput: its change per second
    doc["topics"].push_back(std::move(t));
  }
  co_return http_api::DumpJson(doc);
}

Task<std::string> GroupsJson(const ConsoleSources& sources) {
  Json doc{{"now_ms", sources.clock.NowMs()},
           {"node_id", sources.cluster.Self().node_id},
           {"groups", Json::array()}};
  // Live state exists only on the owner; other groups are known by their committed offsets.
  std::set<std::string> names, owned;
  for (const auto& g : sources.groups.List()) owned.insert(g.group_id);
  if (sources.ownership != nullptr) {
    for (auto& g : sources.ownership->OwnedGroups()) owned.insert(std::move(g));
  }
  names = owned;
  auto with_offsets = co_await sources.store.ListGroupsWithOffsets();
  if (with_offsets.ok()) {
    names.insert(with_offsets->begin(), with_offsets->end());
  } else {
    AddError(doc, "groups with offsets", with_offsets.status());
  }
  HighWatermarks marks(sources.store);
  for (const auto& name : names) {
    Json g{{"group_id", name},
           {"owned_here", false},
           {"state", nullptr},
           {"members", Json::array()},
           {"offsets", Json::array()}};
    if (owned.count(name) != 0) {
      // Owned but not loaded (offsets committed without joining): no members, like Kafka's Empty.
      g["owned_here"] = true;
      g["state"] = groups::GroupStateName(groups::GroupState::kEmpty);
      g["generation"] = 0;
    }
    if (auto live = sources.groups.Describe(name)) {
      g["state"] = groups::GroupStateName(live->state);
      g["protocol_type"] = live->protocol_type;
      g["protocol"] = live->protocol_data;
      g["generation"] = live->generation;
      for (const auto& member : live->members) g["members"].push_back(MemberJson(member));
    }
    auto offsets = co_await sources.store.FetchOffsets(name);
    if (!offsets.ok()) {
      AddError(doc, "offsets of " + name, offsets.status());
      doc["groups"].push_back(std::move(g));
      continue;
    }
    int64_t total_lag = 0;
    for (const auto& [key, committed] : *offsets) {
      const auto& [topic, partition] = key;
      Json row{{"topic", topic},
               {"partition", partition},
               {"committed_offset", committed.offset},
               {"commit_time_ms", committed.commit_time_ms},
               {"high_watermark", nullptr},
               {"lag", nullptr}};
      if (auto hw = co_await marks.Get(topic, partition)) {
        int64_t lag = committed.offset < 0 ? *hw : std::max<int64_t>(0, *hw - committed.offset);
        row["high_watermark"] = *hw;
        row["lag"] = lag;
        total_lag += lag;
      }
      g["offsets"].push_back(std::move(row));
    }
    g["total_lag"] = total_lag;
    doc["groups"].push_back(std::move(g));
  }
  co_return http_api::DumpJson(doc);
}

Task<std::string> ObjectsJson(const ConsoleSources& sources) {
  const int64_t now = sources.clock.NowMs();
  Json doc{{"now_ms", now}};
  auto live = co_await sources.store.ListLiveObjects(kMaxObjectsListed);
  if (live.ok()) {
    std::map<int32_t, std::pair<int64_t, int64_t>> levels;  // level -> (objects, bytes)
    for (const auto& o : *live) {
      levels[o.level].first += 1;
      levels[o.level].second += static_cast<int64_t>(o.size_bytes);
    }
    Json rows = Json::array();
    for (const auto& [level, totals] : levels) {
      rows.push_back({{"level", level}, {"objects", totals.first}, {"bytes", totals.second}});
    }
    doc["levels"] = std::move(rows);
    doc["live_objects"] = live->size();
    doc["truncated"] = live->size() >= static_cast<size_t>(kMaxObjectsListed);
  } else {
    AddError(doc, "live objects", live.status());
  }
  auto dead = co_await sources.store.ListDeadObjects(now, kMaxObjectsListed);
  if (dead.ok()) {
    int64_t bytes = 0;
    for (const auto& o : *dead) bytes += static_cast<int64_t>(o.size_bytes);
    doc["dead_objects"] = {{"objects", dead->size()}, {"bytes", bytes}};
  } else {
    AddError(doc, "dead objects", dead.status());
  }
  // The backlog: queued jobs by kind, and how many a worker holds right now.
  auto jobs = co_await sources.store.ListJobs();
  if (jobs.ok()) {
    Json by_kind = Json::object();
    for (const auto& job : *jobs) {
      Json& kind = by_kind[job.kind];
      if (kind.is_null()) kind = {{"queued", 0}, {"running", 0}};
      const char* bucket =
          !job.lease_owner.empty() && job.lease_expires_ms > now ? "running" : "queued";
      kind[bucket] = kind[bucket].get<int64_t>() + 1;
    }
    doc["jobs"] = {{"total", jobs->size()}, {"by_kind", std::move(by_kind)}};
  } else {
    AddError(doc, "jobs", jobs.status());
  }
  co_return http_api::DumpJson(doc);
}

}  // namespace sluice::agent::console
