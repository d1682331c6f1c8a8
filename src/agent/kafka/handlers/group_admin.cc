// Group administration: DescribeGroups, ListGroups, DeleteGroups. A group is known to this agent
// either through the coordinator (it has or had members since the agent started) or through
// committed offsets in the metadata store; the latter is reported as an Empty group.
#include <algorithm>
#include <cctype>
#include <set>

#include "agent/groups/group_coordinator.h"
#include "agent/kafka/handlers/handlers.h"

namespace sluice::agent {

namespace {

bool EqualsIgnoreCase(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

Task<DescribeGroupsResponse> HandleDescribeGroups(KafkaServices& s, RequestContext,
                                                  DescribeGroupsRequest req) {
  DescribeGroupsResponse response;
  for (const auto& group_id : req.groups) {
    auto& out = response.groups.emplace_back();
    out.group_id = group_id;
    auto described = s.groups.Describe(group_id);
    if (!described) {
      auto stored = co_await s.store.FetchOffsets(group_id);
      if (!stored.ok()) {
        out.error_code = Code(ErrorCode::kCoordinatorNotAvailable);
      } else {
        // Kafka describes a group it does not know as Dead, without an error.
        out.group_state = stored->empty() ? "Dead" : "Empty";
      }
      continue;
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
  co_return response;
}

Task<ListGroupsResponse> HandleListGroups(KafkaServices& s, RequestContext ctx,
                                          ListGroupsRequest req) {
  ListGroupsResponse response;
  auto wanted = [&](const std::string& state) {
    if (ctx.api_version < 4 || req.states_filter.empty()) return true;
    return std::any_of(req.states_filter.begin(), req.states_filter.end(),
                       [&](const std::string& f) { return EqualsIgnoreCase(f, state); });
  };
  std::set<std::string> seen;
  for (const auto& g : s.groups.List()) {
    seen.insert(g.group_id);
    const std::string state = groups::GroupStateName(g.state);
    if (!wanted(state)) continue;
    auto& out = response.groups.emplace_back();
    out.group_id = g.group_id;
    out.protocol_type = g.protocol_type;
    out.group_state = state;
  }
  auto with_offsets = co_await s.store.ListGroupsWithOffsets();
  if (!with_offsets.ok()) {
    response.error_code = Code(ErrorCode::kCoordinatorNotAvailable);
    co_return response;
  }
  for (const auto& group_id : *with_offsets) {
    if (seen.count(group_id) || !wanted("Empty")) continue;
    auto& out = response.groups.emplace_back();
    out.group_id = group_id;
    out.group_state = "Empty";
  }
  co_return response;
}

Task<DeleteGroupsResponse> HandleDeleteGroups(KafkaServices& s, RequestContext,
                                              DeleteGroupsRequest req) {
  DeleteGroupsResponse response;
  for (const auto& group_id : req.groups_names) {
    auto& out = response.results.emplace_back();
    out.group_id = group_id;
    const auto outcome = s.groups.Delete(group_id);
    if (outcome == groups::GroupCoordinator::DeleteOutcome::kNotEmpty) {
      out.error_code = Code(ErrorCode::kNonEmptyGroup);
      continue;
    }
    auto stored = co_await s.store.FetchOffsets(group_id);
    if (!stored.ok()) {
      out.error_code = Code(ErrorCode::kCoordinatorNotAvailable);
      continue;
    }
    if (stored->empty()) {
      if (outcome == groups::GroupCoordinator::DeleteOutcome::kNotFound) {
        out.error_code = Code(ErrorCode::kGroupIdNotFound);
      }
      continue;
    }
    std::vector<std::pair<std::string, int32_t>> partitions;
    for (const auto& [key, committed] : *stored) partitions.push_back(key);
    Status deleted = co_await s.store.DeleteOffsets(group_id, std::move(partitions));
    if (!deleted.ok()) out.error_code = Code(ErrorCode::kCoordinatorNotAvailable);
  }
  co_return response;
}

}  // namespace sluice::agent
