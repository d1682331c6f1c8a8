// Group membership: FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup. The state
// machine is groups::GroupCoordinator; these handlers translate messages and await its answers
// (JoinGroup and SyncGroup long-poll until the rebalance moves on).
#include <memory>

#include "agent/cluster/routing.h"
#include "agent/groups/group_coordinator.h"
#include "agent/kafka/handlers/handlers.h"
#include "common/async_event.h"

namespace sluice::agent {

namespace {

constexpr int8_t kGroupKey = 0;
constexpr int8_t kTransactionKey = 1;

// Kafka reports a client's host as "/address".
std::string ClientHost(const std::string& peer) {
  auto colon = peer.rfind(':');
  std::string host = colon == std::string::npos ? peer : peer.substr(0, colon);
  return "/" + host;
}

struct Coordinator {
  int16_t error = 0;
  std::optional<std::string> message;
  int32_t node_id = -1;
  std::string host;
  int32_t port = -1;
};

// The agent a client is sent to for a group: among the agents this client may be shown (its role
// target and zone, docs/roles.md), the owner when it is one of them (no forwarding needed), else
// this agent when it is one of them, else a stable pick among them; that agent forwards to the
// owner behind the scenes.
Coordinator ChooseCoordinator(KafkaServices& s, const RequestContext& ctx, const std::string& group,
                              const groups::GroupOwner& owner) {
  const BrokerSet set = RouteClient(s.cluster, s.routing_log, ctx.client_id).set;
  const metadata::AgentRecord* chosen = nullptr;
  if (owner.kind == groups::GroupOwner::Kind::kRemote) {
    chosen = FindAgent(set.brokers, owner.agent.node_id);
  }
  if (chosen == nullptr) chosen = FindAgent(set.brokers, s.cluster.Self().node_id);
  if (chosen == nullptr) chosen = PickForKey(set, group);
  Coordinator c;
  if (chosen == nullptr) {  // nothing to show (not even this agent): let the client retry
    c.error = Code(ErrorCode::kCoordinatorNotAvailable);
    return c;
  }
  c.node_id = chosen->node_id;
  c.host = chosen->agent.host;
  c.port = chosen->agent.kafka_port;
  return c;
}

Task<Coordinator> Locate(KafkaServices& s, const RequestContext& ctx, int8_t key_type,
                         const std::string& key) {
  Coordinator c;
  if (key_type == kTransactionKey) {
    // Any agent answers transaction APIs against the store (no transaction ownership yet): the
    // client gets an agent it may be shown, preferably this one, as for an unowned group.
    c = ChooseCoordinator(s, ctx, key, groups::GroupOwner{});
  } else if (key_type != kGroupKey) {
    c.error = Code(ErrorCode::kInvalidRequest);
    c.message = "unknown coordinator key type";
  } else {
    auto owner = co_await s.group_ownership.Resolve(key);
    c = ChooseCoordinator(s, ctx, key, owner);
  }
  co_return c;
}

}  // namespace

bool NotOwnedHere(const RequestContext& ctx) { return !ctx.owns_group; }

Task<FindCoordinatorResponse> HandleFindCoordinator(KafkaServices& s, RequestContext ctx,
                                                    FindCoordinatorRequest req) {
  FindCoordinatorResponse response;
  if (ctx.api_version >= 4) {
    for (const auto& key : req.coordinator_keys) {
      Coordinator c = co_await Locate(s, ctx, req.key_type, key);
      FindCoordinatorResponse::Coordinator out;
      out.key = key;
      out.node_id = c.node_id;
      out.host = c.host;
      out.port = c.port;
      out.error_code = c.error;
      out.error_message = c.message;
      response.coordinators.push_back(std::move(out));
    }
    co_return response;
  }
  Coordinator c = co_await Locate(s, ctx, req.key_type, req.key);
  response.error_code = c.error;
  response.error_message = c.message;
  response.node_id = c.node_id;
  response.host = c.host;
  response.port = c.port;
  co_return response;
}

Task<JoinGroupResponse> HandleJoinGroup(KafkaServices& s, RequestContext ctx,
                                        JoinGroupRequest req) {
  if (NotOwnedHere(ctx)) {
    JoinGroupResponse response;
    response.error_code = Code(ErrorCode::kNotCoordinator);
    response.member_id = req.member_id;
    if (ctx.api_version >= 7) response.protocol_name = std::nullopt;
    co_return response;
  }
  groups::JoinParams p;
  p.group_id = std::move(req.group_id);
  p.member_id = std::move(req.member_id);
  p.group_instance_id = std::move(req.group_instance_id);
  p.client_id = ctx.client_id;
  p.client_host = ClientHost(ctx.client_host);
  p.session_timeout_ms = req.session_timeout_ms;
  p.rebalance_timeout_ms = ctx.api_version >= 1 ? req.rebalance_timeout_ms : -1;
  p.protocol_type = std::move(req.protocol_type);
  for (auto& protocol : req.protocols) {
    p.protocols.emplace_back(std::move(protocol.name), std::move(protocol.metadata));
  }
  p.require_known_member_id = ctx.api_version >= 4;

  auto answer = std::make_shared<OneShot<groups::JoinResult>>(s.executor);
  s.groups.Join(std::move(p), [answer](groups::JoinResult r) { answer->Set(std::move(r)); });
  groups::JoinResult r = co_await answer->Wait();

  JoinGroupResponse response;
  response.error_code = r.error;
  response.generation_id = r.generation;
  if (r.error == 0) response.protocol_type = r.protocol_type;
  response.protocol_name = r.protocol_name;
  if (ctx.api_version < 7 && !response.protocol_name) response.protocol_name = "";
  response.leader = r.leader;
  response.skip_assignment = r.skip_assignment;
  response.member_id = r.member_id;
  for (auto& m : r.members) {
    JoinGroupResponse::JoinGroupResponseMember out;
    out.member_id = std::move(m.member_id);
    out.group_instance_id = std::move(m.group_instance_id);
    out.metadata = std::move(m.metadata);
    response.members.push_back(std::move(out));
  }
  co_return response;
}

Task<SyncGroupResponse> HandleSyncGroup(KafkaServices& s, RequestContext ctx,
                                        SyncGroupRequest req) {
  if (NotOwnedHere(ctx)) {
    SyncGroupResponse response;
    response.error_code = Code(ErrorCode::kNotCoordinator);
    co_return response;
  }
  groups::SyncParams p;
  p.group_id = std::move(req.group_id);
  p.generation = req.generation_id;
  p.member_id = std::move(req.member_id);
  p.group_instance_id = std::move(req.group_instance_id);
  p.protocol_type = std::move(req.protocol_type);
  p.protocol_name = std::move(req.protocol_name);
  for (auto& a : req.assignments)
    p.assignments.emplace_back(std::move(a.member_id), std::move(a.assignment));

  auto answer = std::make_shared<OneShot<groups::SyncResult>>(s.executor);
  s.groups.Sync(std::move(p), [answer](groups::SyncResult r) { answer->Set(std::move(r)); });
  groups::SyncResult r = co_await answer->Wait();

  SyncGroupResponse response;
  response.error_code = r.error;
  if (r.error == 0) {
    response.protocol_type = r.protocol_type;
    response.protocol_name = r.protocol_name;
  }
  response.assignment = std::move(r.assignment);
  co_return response;
}

Task<HeartbeatResponse> HandleHeartbeat(KafkaServices& s, RequestContext ctx,
                                        HeartbeatRequest req) {
  HeartbeatResponse response;
  response.error_code = NotOwnedHere(ctx)
                            ? Code(ErrorCode::kNotCoordinator)
                            : s.groups.Heartbeat(req.group_id, req.generation_id, req.member_id,
                                                 req.group_instance_id);
  co_return response;
}

Task<LeaveGroupResponse> HandleLeaveGroup(KafkaServices& s, RequestContext ctx,
                                          LeaveGroupRequest req) {
  std::vector<groups::LeavingMember> leaving;
  if (ctx.api_version < 3) {
    leaving.push_back({req.member_id, std::nullopt});
  } else {
    for (const auto& m : req.members) leaving.push_back({m.member_id, m.group_instance_id});
  }
  int16_t top_error = 0;
  std::vector<int16_t> errors(leaving.size(), Code(ErrorCode::kNotCoordinator));
  if (NotOwnedHere(ctx)) {
    top_error = Code(ErrorCode::kNotCoordinator);
  } else {
    errors = s.groups.Leave(req.group_id, leaving, &top_error);
  }

  LeaveGroupResponse response;
  response.error_code = top_error;
  if (ctx.api_version < 3) {
    if (top_error == 0 && !errors.empty()) response.error_code = errors[0];
  } else {
    for (size_t i = 0; i < leaving.size(); ++i) {
      LeaveGroupResponse::MemberResponse out;
      out.member_id = leaving[i].member_id;
      out.group_instance_id = leaving[i].group_instance_id;
      out.error_code = errors[i];
      response.members.push_back(std::move(out));
    }
  }
  co_return response;
}

}  // namespace sluice::agent
