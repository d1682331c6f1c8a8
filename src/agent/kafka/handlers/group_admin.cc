// Group administration: DescribeGroups, ListGroups, DeleteGroups. A group is known to its owner
// either through the coordinator (it has or had members since the owner took it) or through
// committed offsets in the metadata store; the latter is reported as an Empty group. Requests
// naming several groups are split by owner and the answers merged (group_forwarding.h).
#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>

#include "agent/groups/group_coordinator.h"
#include "agent/kafka/handlers/group_forwarding.h"
#include "agent/kafka/handlers/handlers.h"

namespace sluice::agent {

namespace {

bool EqualsIgnoreCase(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Fills `out` from this agent's coordinator, or from the store for a group without live state.
Task<void> DescribeLocal(KafkaServices& s, const std::string& group_id,
                         DescribeGroupsResponse::DescribedGroup& out) {
  auto described = s.groups.Describe(group_id);
  if (!described) {
    auto stored = co_await s.store.FetchOffsets(group_id);
    if (!stored.ok()) {
      out.error_code = Code(ErrorCode::kCoordinatorNotAvailable);
    } else {
      // Kafka describes a group it does not know as Dead, without an error.
      out.group_state = stored->empty() ? "Dead" : "Empty";
    }
    co_return;
  }
  out.group_state = groups::GroupStateName(described->state);
  out.protocol_type = described->protocol_type;
  out.protocol_data = described->protocol_data;
  for (auto& m : described->members) {
    auto& member = out.members.emplace_back();
    member.member_id = std::move(m.member_id);
    member.group_instance_id = std::move(m.group_instance_id);
    member.client_id = std::move(m.client_id);
    member.client_host = std::move(m.client_host);
    member.member_metadata = std::move(m.metadata);
    member.member_assignment = std::move(m.assignment);
  }
}

Task<int16_t> DeleteLocal(KafkaServices& s, const std::string& group_id) {
  const auto outcome = s.groups.Delete(group_id);
  if (outcome == groups::GroupCoordinator::DeleteOutcome::kNotEmpty) {
    co_return Code(ErrorCode::kNonEmptyGroup);
  }
  auto stored = co_await s.store.FetchOffsets(group_id);
  if (!stored.ok()) co_return Code(ErrorCode::kCoordinatorNotAvailable);
  if (stored->empty()) {
    co_return outcome == groups::GroupCoordinator::DeleteOutcome::kNotFound
        ? Code(ErrorCode::kGroupIdNotFound)
        : int16_t{0};
  }
  std::vector<std::pair<std::string, int32_t>> partitions;
  for (const auto& [key, committed] : *stored) partitions.push_back(key);
  Status deleted = co_await s.store.DeleteOffsets(group_id, std::move(partitions));
  co_return deleted.ok() ? int16_t{0} : Code(ErrorCode::kCoordinatorNotAvailable);
}

constexpr std::chrono::seconds kAdminForwardTimeout{30};
constexpr std::chrono::seconds kListForwardTimeout{5};

}  // namespace

// Each group is described by its owner; the answers of the owners are merged in request order.
Task<DescribeGroupsResponse> HandleDescribeGroups(KafkaServices& s, RequestContext ctx,
                                                  DescribeGroupsRequest req) {
  DescribeGroupsResponse response;
  response.groups.resize(req.groups.size());
  for (size_t i = 0; i < req.groups.size(); ++i) response.groups[i].group_id = req.groups[i];
  GroupSplit split = co_await SplitByOwner(s, ctx, req.groups);
  for (size_t i : split.local) co_await DescribeLocal(s, req.groups[i], response.groups[i]);
  for (size_t i : split.unavailable)
    response.groups[i].error_code = Code(ErrorCode::kNotCoordinator);
  for (auto& [node_id, owner] : split.remote) {
    DescribeGroupsRequest part = req;
    part.groups.clear();
    for (size_t i : owner.second) part.groups.push_back(req.groups[i]);
    auto answer = co_await ForwardToAgent<DescribeGroupsResponse>(s, ctx, owner.first, part,
                                                                  kAdminForwardTimeout);
    const bool ok = answer.ok() && answer->groups.size() == owner.second.size();
    for (size_t k = 0; k < owner.second.size(); ++k) {
      auto& out = response.groups[owner.second[k]];
      if (ok) {
        out = std::move(answer->groups[k]);
      } else {
        s.group_ownership.OwnerUnreachable(out.group_id);
        out.error_code = Code(ErrorCode::kNotCoordinator);
      }
    }
  }
  co_return response;
}

// Every agent answers with every group of the cluster, each once: its own live groups, those of
// the other live agents (asked with a forwarded ListGroups, which answers only its live groups),
// and the groups that have only committed offsets in the store (as Empty). An agent that does not
// answer is skipped: its groups with offsets still appear, as Empty.
Task<ListGroupsResponse> HandleListGroups(KafkaServices& s, RequestContext ctx,
                                          ListGroupsRequest req) {
  ListGroupsResponse response;
  auto wanted = [&](const std::string& state) {
    if (ctx.api_version < 4 || req.states_filter.empty()) return true;
    return std::any_of(req.states_filter.begin(), req.states_filter.end(),
                       [&](const std::string& f) { return EqualsIgnoreCase(f, state); });
  };
  std::set<std::string> seen;
  auto add = [&](ListGroupsResponse::ListedGroup group) {
    if (!seen.insert(group.group_id).second || !wanted(group.group_state)) return;
    response.groups.push_back(std::move(group));
  };
  for (const auto& g : s.groups.List()) {
    ListGroupsResponse::ListedGroup out;
    out.group_id = g.group_id;
    out.protocol_type = g.protocol_type;
    out.group_state = groups::GroupStateName(g.state);
    add(std::move(out));
  }
  if (ctx.forwarded) {  // the asking agent merges; filter there so it knows every live group
    co_return response;
  }
  ListGroupsRequest unfiltered = req;
  unfiltered.states_filter.clear();
  auto live = s.cluster.LiveAgents();
  for (const auto& agent : *live) {
    if (agent.node_id == s.cluster.Self().node_id || agent.agent.kafka_port <= 0) continue;
    auto answer =
        co_await ForwardToAgent<ListGroupsResponse>(s, ctx, agent, unfiltered, kListForwardTimeout);
    if (!answer.ok() || answer->error_code != 0) continue;
    for (auto& g : answer->groups) add(std::move(g));
  }
  auto with_offsets = co_await s.store.ListGroupsWithOffsets();
  if (!with_offsets.ok()) {
    response.error_code = Code(ErrorCode::kCoordinatorNotAvailable);
    co_return response;
  }
  for (const auto& group_id : *with_offsets) {
    ListGroupsResponse::ListedGroup out;
    out.group_id = group_id;
    out.group_state = "Empty";
    add(std::move(out));
  }
  co_return response;
}

// Each group is deleted by its owner (a group with members cannot be deleted).
Task<DeleteGroupsResponse> HandleDeleteGroups(KafkaServices& s, RequestContext ctx,
                                              DeleteGroupsRequest req) {
  DeleteGroupsResponse response;
  response.results.resize(req.groups_names.size());
  for (size_t i = 0; i < req.groups_names.size(); ++i) {
    response.results[i].group_id = req.groups_names[i];
  }
  GroupSplit split = co_await SplitByOwner(s, ctx, req.groups_names);
  for (size_t i : split.local) {
    response.results[i].error_code = co_await DeleteLocal(s, req.groups_names[i]);
  }
  for (size_t i : split.unavailable) {
    response.results[i].error_code = Code(ErrorCode::kNotCoordinator);
  }
  for (auto& [node_id, owner] : split.remote) {
    DeleteGroupsRequest part = req;
    part.groups_names.clear();
    for (size_t i : owner.second) part.groups_names.push_back(req.groups_names[i]);
    auto answer = co_await ForwardToAgent<DeleteGroupsResponse>(s, ctx, owner.first, part,
                                                                kAdminForwardTimeout);
    const bool ok = answer.ok() && answer->results.size() == owner.second.size();
    for (size_t k = 0; k < owner.second.size(); ++k) {
      auto& out = response.results[owner.second[k]];
      if (ok) {
        out = std::move(answer->results[k]);
      } else {
        s.group_ownership.OwnerUnreachable(out.group_id);
        out.error_code = Code(ErrorCode::kNotCoordinator);
      }
    }
  }
  co_return response;
}

}  // namespace sluice::agent
