// `sluice groups list|describe|delete|reset-offsets`.
#include <algorithm>
#include <cstdio>
#include <map>

#include "cli/admin_commands.h"
#include "cli/admin_common.h"
#include "cli/kafka_queries.h"
#include "cli/output.h"
#include "client/kafka_error.h"
#include "client/records.h"
#include "protocol/messages/delete_groups.h"
#include "protocol/messages/describe_groups.h"
#include "protocol/messages/list_groups.h"
#include "protocol/messages/offset_commit.h"
#include "protocol/messages/offset_fetch.h"

namespace sluice::cli {

namespace {

Result<protocol::DescribeGroupsResponse::DescribedGroup> DescribeGroup(client::KafkaClient& client,
                                                                       const std::string& group) {
  protocol::DescribeGroupsRequest request;
  request.groups.push_back(group);
  SLUICE_ASSIGN_OR_RETURN(auto response, client.Call<protocol::DescribeGroupsResponse>(request));
  for (auto& g : response.groups) {
    if (g.group_id != group) continue;
    SLUICE_RETURN_IF_ERROR(client::KafkaError(g.error_code, "group " + group));
    return std::move(g);
  }
  return Status::NotFound("group " + group + ": not in the DescribeGroups answer");
}

// Committed offsets of `group`: topic -> partition -> offset.
Result<std::map<std::string, std::map<int32_t, int64_t>>> CommittedOffsets(
    client::KafkaClient& client, const std::string& group) {
  protocol::OffsetFetchRequest request;
  request.group_id = group;
  request.topics.reset();  // null: every topic the group committed (v2+)
  // v8 moved to a list of groups; v2-v7 take one.
  SLUICE_ASSIGN_OR_RETURN(auto response, client.Call<protocol::OffsetFetchResponse>(request, 7, 2));
  SLUICE_RETURN_IF_ERROR(client::KafkaError(response.error_code, "offsets of group " + group));
  std::map<std::string, std::map<int32_t, int64_t>> out;
  for (const auto& t : response.topics) {
    for (const auto& p : t.partitions) {
      SLUICE_RETURN_IF_ERROR(client::KafkaError(p.error_code, "offsets of group " + group));
      if (p.committed_offset >= 0) out[t.name][p.partition_index] = p.committed_offset;
    }
  }
  return out;
}

int List(const std::vector<std::string>& args) {
  FlagSet flags("sluice groups list");
  ConnectionFlags conn;
  AddConnectionFlags(flags, &conn);
  std::vector<std::string> positional;
  if (auto exit =
          ParseCommandFlags(flags, args, {}, "Usage: sluice groups list [flags]", &positional)) {
    return *exit;
  }
  if (!positional.empty()) return UsageError("groups list takes no arguments");
  auto client = ConnectWith(conn);
  if (!client.ok()) return Fail(client.status());
  auto response = client->Call<protocol::ListGroupsResponse>(protocol::ListGroupsRequest{});
  if (!response.ok()) return Fail(response.status());
  Status st = client::KafkaError(response->error_code, "ListGroups");
  if (!st.ok()) return Fail(st);
  auto groups = response->groups;
  std::sort(groups.begin(), groups.end(),
            [](const auto& a, const auto& b) { return a.group_id < b.group_id; });
  Json json = Json::Array();
  Table table({"GROUP", "STATE", "PROTOCOL-TYPE"});
  for (const auto& g : groups) {
    json.Push(Json::Object()
                  .Set("group", g.group_id)
                  .Set("state", g.group_state)
                  .Set("protocol_type", g.protocol_type));
    table.AddRow({g.group_id, g.group_state, g.protocol_type});
  }
  std::printf("%s", conn.json ? (json.Dump() + "\n").c_str() : table.Render().c_str());
  return kExitOk;
}

int Describe(const std::vector<std::string>& args) {
  FlagSet flags("sluice groups describe");
  ConnectionFlags conn;
  AddConnectionFlags(flags, &conn);
  std::vector<std::string> positional;
  if (auto exit = ParseCommandFlags(flags, args, {}, "Usage: sluice groups describe GROUP [flags]",
                                    &positional)) {
    return *exit;
  }
  if (positional.size() != 1) return UsageError("groups describe needs exactly one GROUP");
  const std::string& group = positional[0];
  auto bootstrap = ConnectWith(conn);
  if (!bootstrap.ok()) return Fail(bootstrap.status());
  auto client = ConnectToGroupCoordinator(*bootstrap, group);
  if (!client.ok()) return Fail(client.status());
  auto described = DescribeGroup(*client, group);
  if (!described.ok()) return Fail(described.status());
  auto committed = CommittedOffsets(*client, group);
  if (!committed.ok()) return Fail(committed.status());
  if (described->group_state == "Dead" && committed->empty()) {
    return Fail(Status::NotFound("group " + group + " does not exist"));
  }
  // Who owns each partition right now.
  std::map<std::pair<std::string, int32_t>, std::string> owner;
  Json members = Json::Array();
  Table member_table({"MEMBER", "CLIENT-ID", "HOST", "ASSIGNMENT"});
  for (const auto& m : described->members) {
    auto assignment = client::DecodeConsumerAssignment(m.member_assignment);
    std::string assigned;
    Json json_assigned = Json::Array();
    if (assignment.ok()) {
      for (const auto& tp : *assignment) {
        for (int32_t p : tp.partitions) {
          owner[{tp.topic, p}] = m.member_id;
          if (!assigned.empty()) assigned += ",";
          assigned += tp.topic + "-" + std::to_string(p);
          json_assigned.Push(Json::Object().Set("topic", tp.topic).Set("partition", p));
        }
      }
    }
    members.Push(Json::Object()
                     .Set("member_id", m.member_id)
                     .Set("client_id", m.client_id)
                     .Set("host", m.client_host)
                     .Set("assignment", std::move(json_assigned)));
    member_table.AddRow({m.member_id, m.client_id, m.client_host, assigned});
  }
  Json offsets = Json::Array();
  Table offset_table({"TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "MEMBER"});
  for (const auto& [topic, partitions] : *committed) {
    std::vector<int32_t> ids;
    for (const auto& [p, offset] : partitions) ids.push_back(p);
    auto ends = ListOffsets(*bootstrap, topic, ids, kLatestTimestamp);
    for (const auto& [p, offset] : partitions) {
      int64_t end = ends.ok() ? (*ends)[p] : -1;
      int64_t lag = end >= 0 ? std::max<int64_t>(0, end - offset) : -1;
      std::string member = owner.count({topic, p}) ? owner[{topic, p}] : "";
      offsets.Push(Json::Object()
                       .Set("topic", topic)
                       .Set("partition", p)
                       .Set("offset", offset)
                       .Set("log_end_offset", end)
                       .Set("lag", lag)
                       .Set("member_id", member));
      offset_table.AddRow({topic, std::to_string(p), std::to_string(offset),
                           end >= 0 ? std::to_string(end) : "-",
                           lag >= 0 ? std::to_string(lag) : "-", member.empty() ? "-" : member});
    }
  }
  if (conn.json) {
    std::printf("%s\n", Json::Object()
                            .Set("group", group)
                            .Set("state", described->group_state)
                            .Set("protocol_type", described->protocol_type)
                            .Set("protocol", described->protocol_data)
                            .Set("members", std::move(members))
                            .Set("offsets", std::move(offsets))
                            .Dump()
                            .c_str());
  } else {
    std::printf("Group: %s  State: %s  Protocol: %s  Members: %zu\n\n", group.c_str(),
                described->group_state.c_str(), described->protocol_data.c_str(),
                described->members.size());
    if (member_table.size() > 0) std::printf("%s\n", member_table.Render().c_str());
    std::printf("%s", offset_table.Render().c_str());
  }
  return kExitOk;
}

int Delete(const std::vector<std::string>& args) {
  FlagSet flags("sluice groups delete");
  ConnectionFlags conn;
  AddConnectionFlags(flags, &conn);
  std::vector<std::string> positional;
  if (auto exit = ParseCommandFlags(flags, args, {}, "Usage: sluice groups delete GROUP... [flags]",
                                    &positional)) {
    return *exit;
  }
  if (positional.empty()) return UsageError("groups delete needs at least one GROUP");
  auto bootstrap = ConnectWith(conn);
  if (!bootstrap.ok()) return Fail(bootstrap.status());
  int exit = kExitOk;
  Json json = Json::Array();
  for (const auto& group : positional) {
    auto client = ConnectToGroupCoordinator(*bootstrap, group);
    if (!client.ok()) return Fail(client.status());
    protocol::DeleteGroupsRequest request;
    request.groups_names.push_back(group);
    auto response = client->Call<protocol::DeleteGroupsResponse>(request);
    if (!response.ok()) return Fail(response.status());
    for (const auto& r : response->results) {
      Status st = client::KafkaError(r.error_code, "group " + r.group_id);
      json.Push(Json::Object()
                    .Set("group", r.group_id)
                    .Set("deleted", st.ok())
                    .Set("error", st.ok() ? Json() : Json(st.message())));
      if (!st.ok()) {
        exit = Fail(st);
      } else if (!conn.json) {
        std::printf("deleted group %s\n", r.group_id.c_str());
      }
    }
  }
  if (conn.json) std::printf("%s\n", json.Dump().c_str());
  return exit;
}

int ResetOffsets(const std::vector<std::string>& args) {
  FlagSet flags("sluice groups reset-offsets");
  ConnectionFlags conn;
  AddConnectionFlags(flags, &conn);
  std::string topic;
  int64_t partition = -1;
  bool to_earliest = false;
  bool to_latest = false;
  int64_t to_timestamp = -1;
  int64_t to_offset = -1;
  bool dry_run = false;
  flags.String("topic", &topic, "", "topic to reset (default: every topic the group committed)");
  flags.Int64("partition", &partition, -1, -1, 1 << 30, "only this partition (-1: all)");
  flags.Bool("to-earliest", &to_earliest, false, "reset to the log start offset");
  flags.Bool("to-latest", &to_latest, false, "reset to the log end offset");
  flags.Int64("to-timestamp", &to_timestamp, -1, -1, INT64_MAX,
              "reset to the first offset with a timestamp >= this (ms since epoch)");
  flags.Int64("to-offset", &to_offset, -1, -1, INT64_MAX, "reset to this offset");
  flags.Bool("dryRun", &dry_run, false, "print the new offsets without committing them");
  std::vector<std::string> positional;
  if (auto exit = ParseCommandFlags(
          flags, args, {"to-earliest", "to-latest", "dryRun"},
          "Usage: sluice groups reset-offsets GROUP (-to-earliest|-to-latest|-to-timestamp MS|"
          "-to-offset N) [-topic T] [-partition P] [flags]",
          &positional)) {
    return *exit;
  }
  if (positional.size() != 1) return UsageError("groups reset-offsets needs exactly one GROUP");
  int targets = int{to_earliest} + int{to_latest} + int{flags.IsSet("to-timestamp")} +
                int{flags.IsSet("to-offset")};
  if (targets != 1) {
    return UsageError(
        "groups reset-offsets needs exactly one of -to-earliest, -to-latest, -to-timestamp, "
        "-to-offset");
  }
  if (partition >= 0 && topic.empty()) return UsageError("-partition needs -topic");
  const std::string& group = positional[0];
  auto bootstrap = ConnectWith(conn);
  if (!bootstrap.ok()) return Fail(bootstrap.status());
  auto client = ConnectToGroupCoordinator(*bootstrap, group);
  if (!client.ok()) return Fail(client.status());
  auto described = DescribeGroup(*client, group);
  if (!described.ok()) return Fail(described.status());
  if (!described->members.empty()) {
    return Fail(Status::Conflict("group " + group + " has " +
                                 std::to_string(described->members.size()) +
                                 " active members (state " + described->group_state +
                                 "): stop its consumers before resetting offsets"));
  }
  std::map<std::string, std::vector<int32_t>> scope;
  if (!topic.empty()) {
    auto ids = TopicPartitionIds(*bootstrap, topic);
    if (!ids.ok()) return Fail(ids.status());
    for (int32_t p : *ids) {
      if (partition < 0 || p == partition) scope[topic].push_back(p);
    }
    if (scope.empty()) {
      return Fail(
          Status::NotFound("topic " + topic + " has no partition " + std::to_string(partition)));
    }
  } else {
    auto committed = CommittedOffsets(*client, group);
    if (!committed.ok()) return Fail(committed.status());
    for (const auto& [t, parts] : *committed) {
      for (const auto& [p, offset] : parts) scope[t].push_back(p);
    }
    if (scope.empty()) {
      return Fail(Status::NotFound("group " + group + " has no committed offsets; use -topic"));
    }
  }
  protocol::OffsetCommitRequest commit;
  commit.group_id = group;
  commit.generation_id = -1;  // a commit from outside the group, as Kafka's own tool sends
  commit.member_id = "";
  Json json = Json::Array();
  Table table({"GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"});
  for (const auto& [t, parts] : scope) {
    auto earliest = ListOffsets(*bootstrap, t, parts, kEarliestTimestamp);
    if (!earliest.ok()) return Fail(earliest.status());
    auto latest = ListOffsets(*bootstrap, t, parts, kLatestTimestamp);
    if (!latest.ok()) return Fail(latest.status());
    std::map<int32_t, int64_t> by_time;
    if (flags.IsSet("to-timestamp")) {
      auto found = ListOffsets(*bootstrap, t, parts, to_timestamp);
      if (!found.ok()) return Fail(found.status());
      by_time = *found;
    }
    protocol::OffsetCommitRequest::OffsetCommitRequestTopic ct;
    ct.name = t;
    for (int32_t p : parts) {
      int64_t start = (*earliest)[p];
      int64_t end = (*latest)[p];
      int64_t target = end;
      if (to_earliest) target = start;
      if (flags.IsSet("to-timestamp")) target = by_time[p] >= 0 ? by_time[p] : end;
      // Like Kafka's tool: an offset outside the log is clamped into it.
      if (flags.IsSet("to-offset")) target = std::clamp(to_offset, start, std::max(start, end));
      protocol::OffsetCommitRequest::OffsetCommitRequestPartition cp;
      cp.partition_index = p;
      cp.committed_offset = target;
      ct.partitions.push_back(cp);
      json.Push(Json::Object()
                    .Set("group", group)
                    .Set("topic", t)
                    .Set("partition", p)
                    .Set("offset", target));
      table.AddRow({group, t, std::to_string(p), std::to_string(target)});
    }
    commit.topics.push_back(std::move(ct));
  }
  if (!dry_run) {
    auto response = client->Call<protocol::OffsetCommitResponse>(commit);
    if (!response.ok()) return Fail(response.status());
    for (const auto& t : response->topics) {
      for (const auto& p : t.partitions) {
        Status st =
            client::KafkaError(p.error_code, "commit of group " + group + " topic " + t.name +
                                                 " partition " + std::to_string(p.partition_index));
        if (!st.ok()) return Fail(st);
      }
    }
  }
  std::printf("%s", conn.json ? (json.Dump() + "\n").c_str() : table.Render().c_str());
  return kExitOk;
}

}  // namespace

int RunGroups(const std::vector<std::string>& args) {
  static const char* kUsage =
      "Usage: sluice groups list|describe|delete|reset-offsets [args] [flags]\n"
      "  list                         every consumer group with its state\n"
      "  describe GROUP               members, assignments, committed offsets and lag\n"
      "  delete GROUP...              delete empty groups and their offsets\n"
      "  reset-offsets GROUP -to-earliest|-to-latest|-to-timestamp MS|-to-offset N\n"
      "                [-topic T [-partition P]] [-dryRun]   (the group must have no members)\n"
      "Run `sluice help groups <subcommand>` for the flags.\n";
  if (args.empty() || args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
    std::printf("%s", kUsage);
    return args.empty() ? kExitUsage : kExitOk;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "list") return List(rest);
  if (args[0] == "describe") return Describe(rest);
  if (args[0] == "delete") return Delete(rest);
  if (args[0] == "reset-offsets") return ResetOffsets(rest);
  std::fprintf(stderr, "sluice: unknown subcommand 'groups %s'\n%s", args[0].c_str(), kUsage);
  return kExitUsage;
}

}  // namespace sluice::cli
