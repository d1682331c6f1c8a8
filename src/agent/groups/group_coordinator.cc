#include "agent/groups/group_coordinator.h"

#include <algorithm>
#include <cstdio>

#include "agent/groups/consumer_protocol.h"
#include "protocol/error_codes.h"

namespace sluice::agent::groups {

namespace {

using protocol::ErrorCode;
int16_t Code(ErrorCode code) { return static_cast<int16_t>(code); }

JoinResult JoinError(ErrorCode code, std::string member_id = "") {
  JoinResult r;
  r.error = Code(code);
  r.member_id = std::move(member_id);
  return r;
}

SyncResult SyncError(ErrorCode code) {
  SyncResult r;
  r.error = Code(code);
  return r;
}

const Bytes* MetadataFor(const Protocols& protocols, const std::string& name) {
  for (const auto& [n, metadata] : protocols) {
    if (n == name) return &metadata;
  }
  return nullptr;
}

// Callbacks are taken out of the member before they run, so a member is never answered twice.
void Answer(JoinCallback& cb, JoinResult r) {
  if (auto f = std::exchange(cb, nullptr)) f(std::move(r));
}
void Answer(SyncCallback& cb, SyncResult r) {
  if (auto f = std::exchange(cb, nullptr)) f(std::move(r));
}

}  // namespace

const char* GroupStateName(GroupState state) {
  switch (state) {
    case GroupState::kEmpty:
      return "Empty";
    case GroupState::kPreparingRebalance:
      return "PreparingRebalance";
    case GroupState::kCompletingRebalance:
      return "CompletingRebalance";
    case GroupState::kStable:
      return "Stable";
    case GroupState::kDead:
      return "Dead";
  }
  return "Dead";
}

GroupCoordinator::GroupCoordinator(const Clock& clock, GroupSettings settings)
    : clock_(clock), settings_(settings), random_(std::random_device{}()) {}

GroupCoordinator::Group* GroupCoordinator::Find(const std::string& id) {
  auto it = groups_.find(id);
  return it == groups_.end() ? nullptr : &it->second;
}

const GroupCoordinator::Group* GroupCoordinator::Find(const std::string& id) const {
  auto it = groups_.find(id);
  return it == groups_.end() ? nullptr : &it->second;
}

std::string GroupCoordinator::NewMemberId(const std::string& client_id) {
  char uuid[40];
  const uint64_t a = random_(), b = random_();
  std::snprintf(uuid, sizeof(uuid), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
                static_cast<unsigned>(b >> 48),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return client_id + "-" + uuid;
}

bool GroupCoordinator::SupportsProtocols(const Group& g, const JoinParams& p) const {
  if (p.protocol_type.empty() || p.protocols.empty()) return false;
  // The joiner's own earlier membership (same member id, or the static instance it replaces)
  // does not count.
  auto other = [&](const Member& m) {
    return m.id != p.member_id && !(p.group_instance_id && m.instance_id == p.group_instance_id);
  };
  size_t others = 0;
  for (const auto& [id, m] : g.members) others += other(m);
  if (others == 0) return true;
  if (p.protocol_type != g.protocol_type) return false;
  // Some protocol of the joiner must be supported by every other member.
  for (const auto& [name, metadata] : p.protocols) {
    size_t supporting = 0;
    for (const auto& [id, m] : g.members) {
      if (other(m) && MetadataFor(m.protocols, name)) ++supporting;
    }
    if (supporting == others) return true;
  }
  return false;
}

bool GroupCoordinator::IsFenced(const Group& g, const std::string& member_id,
                                const std::optional<std::string>& instance_id) const {
  if (!instance_id) return false;
  auto it = g.static_members.find(*instance_id);
  return it != g.static_members.end() && it->second != member_id;
}

// --- JoinGroup ---------------------------------------------------------------------------------

void GroupCoordinator::Join(JoinParams p, JoinCallback done) {
  if (p.group_id.empty()) return done(JoinError(ErrorCode::kInvalidGroupId, p.member_id));
  if (p.session_timeout_ms < settings_.min_session_timeout_ms ||
      p.session_timeout_ms > settings_.max_session_timeout_ms) {
    return done(JoinError(ErrorCode::kInvalidSessionTimeout, p.member_id));
  }
  if (p.rebalance_timeout_ms <= 0) p.rebalance_timeout_ms = p.session_timeout_ms;
  Group* g = Find(p.group_id);
  if (!g) {
    if (!p.member_id.empty()) return done(JoinError(ErrorCode::kUnknownMemberId, p.member_id));
    g = &groups_[p.group_id];
    g->id = p.group_id;
  }
  if (g->state == GroupState::kDead) {
    return done(JoinError(ErrorCode::kCoordinatorNotAvailable, p.member_id));
  }
  if (!SupportsProtocols(*g, p)) {
    return done(JoinError(ErrorCode::kInconsistentGroupProtocol, p.member_id));
  }
  if (p.member_id.empty()) {
    JoinNewMember(*g, std::move(p), std::move(done));
  } else {
    JoinKnownMember(*g, std::move(p), std::move(done));
  }
}

void GroupCoordinator::JoinNewMember(Group& g, JoinParams p, JoinCallback done) {
  const std::string id = NewMemberId(p.client_id);
  if (p.group_instance_id) {
    auto it = g.static_members.find(*p.group_instance_id);
    if (it != g.static_members.end()) {
      return ReplaceStaticMember(g, it->second, std::move(p), std::move(done));
    }
    return AddMemberAndRebalance(g, id, std::move(p), std::move(done));
  }
  if (p.require_known_member_id) {
    // KIP-394: hand out the id first, so a client that times out and retries keeps one identity.
    g.pending_members[id] = clock_.NowMs() + p.session_timeout_ms;
    return done(JoinError(ErrorCode::kMemberIdRequired, id));
  }
  AddMemberAndRebalance(g, id, std::move(p), std::move(done));
}

void GroupCoordinator::JoinKnownMember(Group& g, JoinParams p, JoinCallback done) {
  if (g.pending_members.count(p.member_id)) {
    const std::string id = p.member_id;
    return AddMemberAndRebalance(g, id, std::move(p), std::move(done));
  }
  if (IsFenced(g, p.member_id, p.group_instance_id)) {
    return done(JoinError(ErrorCode::kFencedInstanceId, p.member_id));
  }
  auto it = g.members.find(p.member_id);
  if (it == g.members.end()) return done(JoinError(ErrorCode::kUnknownMemberId, p.member_id));
  Member& m = it->second;
  switch (g.state) {
    case GroupState::kPreparingRebalance:
      UpdateMember(m, p, std::move(done));
      TryCompleteJoin(g);
      return;
    case GroupState::kCompletingRebalance:
      if (m.protocols == p.protocols) {  // a retry of a join already answered
        m.last_heartbeat_ms = clock_.NowMs();
        return done(CurrentJoinResult(g, m));
      }
      UpdateMember(m, p, std::move(done));
      PrepareRebalance(g);
      return;
    case GroupState::kStable:
      if (m.id != g.leader && m.protocols == p.protocols) {
        // A follower rejoining with nothing new: no rebalance, same generation.
        m.last_heartbeat_ms = clock_.NowMs();
        return done(CurrentJoinResult(g, m));
      }
      UpdateMember(m, p, std::move(done));
      PrepareRebalance(g);
      return;
    case GroupState::kEmpty:
    case GroupState::kDead:
      return done(JoinError(ErrorCode::kUnknownMemberId, p.member_id));
  }
}

void GroupCoordinator::ReplaceStaticMember(Group& g, const std::string& old_id, JoinParams p,
                                           JoinCallback done) {
  const std::string new_id = NewMemberId(p.client_id);
  auto node = g.members.extract(old_id);
  if (!node) {  // cannot happen while static_members mirrors members; never trust it blindly
    g.static_members.erase(*p.group_instance_id);
    return AddMemberAndRebalance(g, new_id, std::move(p), std::move(done));
  }
  Member m = std::move(node.mapped());
  // The previous incarnation of this instance is fenced.
  Answer(m.awaiting_join, JoinError(ErrorCode::kFencedInstanceId, old_id));
  Answer(m.awaiting_sync, SyncError(ErrorCode::kFencedInstanceId));
  m.id = new_id;
  g.static_members[*p.group_instance_id] = new_id;
  if (g.leader == old_id) g.leader = new_id;
  Member& member = g.members.emplace(new_id, std::move(m)).first->second;
  p.member_id = new_id;

  if (g.state == GroupState::kStable) {
    const Protocols old_protocols = member.protocols;
    member.protocols = p.protocols;
    if (SelectProtocol(g) == g.protocol_name.value_or("")) {
      // Same protocol for the group: the restarted instance keeps its assignment, no rebalance.
      member.client_id = p.client_id;
      member.client_host = p.client_host;
      member.session_timeout_ms = p.session_timeout_ms;
      member.rebalance_timeout_ms = p.rebalance_timeout_ms;
      member.last_heartbeat_ms = clock_.NowMs();
      JoinResult r = CurrentJoinResult(g, member);
      r.skip_assignment = member.id == g.leader;
      return done(std::move(r));
    }
    member.protocols = old_protocols;
  }
  UpdateMember(member, p, std::move(done));
  if (g.state == GroupState::kPreparingRebalance) {
    TryCompleteJoin(g);
  } else {
    PrepareRebalance(g);
  }
}

void GroupCoordinator::AddMemberAndRebalance(Group& g, const std::string& id, JoinParams p,
                                             JoinCallback done) {
  g.pending_members.erase(id);
  Member m;
  m.id = id;
  m.instance_id = p.group_instance_id;
  m.client_id = p.client_id;
  m.client_host = p.client_host;
  m.session_timeout_ms = p.session_timeout_ms;
  m.rebalance_timeout_ms = p.rebalance_timeout_ms;
  m.protocol_type = p.protocol_type;
  m.protocols = std::move(p.protocols);
  m.awaiting_join = std::move(done);
  m.last_heartbeat_ms = clock_.NowMs();
  if (g.members.empty()) g.protocol_type = m.protocol_type;
  if (g.leader.empty()) g.leader = id;
  if (m.instance_id) g.static_members[*m.instance_id] = id;
  g.members.emplace(id, std::move(m));
  MaybePrepareRebalance(g);
}

void GroupCoordinator::UpdateMember(Member& m, JoinParams& p, JoinCallback done) {
  // A second JoinGroup while the first still waits (the client gave up on it): end the old one.
  Answer(m.awaiting_join, JoinError(ErrorCode::kRebalanceInProgress, m.id));
  m.client_id = p.client_id;
  m.client_host = p.client_host;
  m.session_timeout_ms = p.session_timeout_ms;
  m.rebalance_timeout_ms = p.rebalance_timeout_ms;
  m.protocol_type = p.protocol_type;
  m.protocols = std::move(p.protocols);
  m.awaiting_join = std::move(done);
  m.last_heartbeat_ms = clock_.NowMs();
}

// --- Rebalance ---------------------------------------------------------------------------------

void GroupCoordinator::MaybePrepareRebalance(Group& g) {
  if (g.state == GroupState::kPreparingRebalance) {
    if (g.initial_delay) {  // a new member during the initial delay waits a little longer
      g.deadline_ms =
          std::min(clock_.NowMs() + settings_.initial_rebalance_delay_ms, g.initial_max_ms);
    }
    TryCompleteJoin(g);
    return;
  }
  PrepareRebalance(g);
}

int32_t GroupCoordinator::MaxRebalanceTimeout(const Group& g) const {
  int32_t timeout = 0;
  for (const auto& [id, m] : g.members) timeout = std::max(timeout, m.rebalance_timeout_ms);
  return timeout;
}

void GroupCoordinator::PrepareRebalance(Group& g) {
  if (g.state == GroupState::kCompletingRebalance) {
    // The assignments being handed out are void; members waiting in SyncGroup rejoin.
    for (auto& [id, m] : g.members) {
      m.assignment.clear();
      if (m.awaiting_sync) m.last_heartbeat_ms = clock_.NowMs();  // a full session to rejoin
      Answer(m.awaiting_sync, SyncError(ErrorCode::kRebalanceInProgress));
    }
  }
  const int64_t now = clock_.NowMs();
  const int64_t timeout = MaxRebalanceTimeout(g);
  g.initial_delay = g.state == GroupState::kEmpty && settings_.initial_rebalance_delay_ms > 0;
  if (g.initial_delay) {
    g.initial_max_ms = now + std::max<int64_t>(timeout, settings_.initial_rebalance_delay_ms);
    g.deadline_ms = std::min(now + settings_.initial_rebalance_delay_ms, g.initial_max_ms);
  } else {
    g.deadline_ms = now + timeout;
  }
  g.state = GroupState::kPreparingRebalance;
  TryCompleteJoin(g);
}

void GroupCoordinator::TryCompleteJoin(Group& g) {
  if (g.state != GroupState::kPreparingRebalance) return;
  if (g.initial_delay && clock_.NowMs() < g.deadline_ms) return;
  if (!g.pending_members.empty()) return;
  for (const auto& [id, m] : g.members) {
    if (!m.awaiting_join) return;
  }
  CompleteJoin(g);
}

std::string GroupCoordinator::SelectProtocol(const Group& g) const {
  // Candidates are the protocols every member supports; each member votes for its favourite
  // candidate and the most votes win (ties: the first candidate in the leader's order).
  if (g.members.empty()) return "";
  std::vector<std::string> candidates;
  const Member& first =
      g.members.count(g.leader) ? g.members.at(g.leader) : g.members.begin()->second;
  for (const auto& [name, metadata] : first.protocols) {
    bool all = std::all_of(g.members.begin(), g.members.end(),
                           [&](const auto& e) { return MetadataFor(e.second.protocols, name); });
    if (all) candidates.push_back(name);
  }
  if (candidates.empty()) return "";
  std::map<std::string, int> votes;
  for (const auto& [id, m] : g.members) {
    for (const auto& [name, metadata] : m.protocols) {
      if (std::find(candidates.begin(), candidates.end(), name) != candidates.end()) {
        ++votes[name];
        break;
      }
    }
  }
  std::string best = candidates.front();
  for (const auto& name : candidates) {
    if (votes[name] > votes[best]) best = name;
  }
  return best;
}

std::vector<JoinedMember> GroupCoordinator::MemberMetadata(const Group& g) const {
  std::vector<JoinedMember> out;
  const std::string protocol = g.protocol_name.value_or("");
  for (const auto& [id, m] : g.members) {
    const Bytes* metadata = MetadataFor(m.protocols, protocol);
    out.push_back({id, m.instance_id, metadata ? *metadata : Bytes{}});
  }
  return out;
}

JoinResult GroupCoordinator::CurrentJoinResult(const Group& g, const Member& m) const {
  JoinResult r;
  r.generation = g.generation;
  r.protocol_type = g.protocol_type;
  r.protocol_name = g.protocol_name;
  r.leader = g.leader;
  r.member_id = m.id;
  if (m.id == g.leader) r.members = MemberMetadata(g);
  return r;
}

void GroupCoordinator::CompleteJoin(Group& g) {
  // Dynamic members that did not rejoin in time are out; static ones keep their place until
  // their session expires.
  for (auto it = g.members.begin(); it != g.members.end();) {
    if (!it->second.awaiting_join && !it->second.instance_id) {
      it = g.members.erase(it);
    } else {
      ++it;
    }
  }
  auto leader = g.members.find(g.leader);
  if (leader == g.members.end() || !leader->second.awaiting_join) {
    g.leader.clear();
    for (const auto& [id, m] : g.members) {
      if (m.awaiting_join) {
        g.leader = id;
        break;
      }
    }
  }
  const int64_t now = clock_.NowMs();
  ++g.generation;
  g.initial_delay = false;
  if (g.members.empty()) {
    g.state = GroupState::kEmpty;
    g.protocol_name.reset();
    g.leader.clear();
    return;
  }
  if (g.leader.empty()) {
    // Only static members that have not rejoined: wait another rebalance timeout for them.
    --g.generation;
    g.deadline_ms = now + MaxRebalanceTimeout(g);
    return;
  }
  g.protocol_name = SelectProtocol(g);
  g.state = GroupState::kCompletingRebalance;
  g.deadline_ms = now + MaxRebalanceTimeout(g);
  for (auto& [id, m] : g.members) {
    m.assignment.clear();
    m.last_heartbeat_ms = now;
    Answer(m.awaiting_join, CurrentJoinResult(g, m));
  }
}

void GroupCoordinator::RemoveMember(Group& g, const std::string& member_id) {
  auto it = g.members.find(member_id);
  if (it == g.members.end()) return;
  Answer(it->second.awaiting_join, JoinError(ErrorCode::kUnknownMemberId, member_id));
  Answer(it->second.awaiting_sync, SyncError(ErrorCode::kUnknownMemberId));
  if (it->second.instance_id) g.static_members.erase(*it->second.instance_id);
  g.members.erase(it);
  if (g.leader == member_id) g.leader = g.members.empty() ? "" : g.members.begin()->first;
  switch (g.state) {
    case GroupState::kStable:
    case GroupState::kCompletingRebalance:
      PrepareRebalance(g);
      break;
    case GroupState::kPreparingRebalance:
      TryCompleteJoin(g);
      break;
    default:
      break;
  }
}

void GroupCoordinator::DropUnsynced(Group& g) {
  std::vector<std::string> unsynced;
  for (const auto& [id, m] : g.members) {
    if (!m.awaiting_sync) unsynced.push_back(id);
  }
  for (const auto& id : unsynced) RemoveMember(g, id);
}

// --- SyncGroup, Heartbeat, LeaveGroup ------------------------------------------------------------

void GroupCoordinator::Sync(SyncParams p, SyncCallback done) {
  if (p.group_id.empty()) return done(SyncError(ErrorCode::kInvalidGroupId));
  Group* g = Find(p.group_id);
  if (!g) return done(SyncError(ErrorCode::kUnknownMemberId));
  if (g->state == GroupState::kDead) return done(SyncError(ErrorCode::kCoordinatorNotAvailable));
  if (IsFenced(*g, p.member_id, p.group_instance_id)) {
    return done(SyncError(ErrorCode::kFencedInstanceId));
  }
  auto it = g->members.find(p.member_id);
  if (it == g->members.end()) return done(SyncError(ErrorCode::kUnknownMemberId));
  if (p.generation != g->generation) return done(SyncError(ErrorCode::kIllegalGeneration));
  if ((p.protocol_type && *p.protocol_type != g->protocol_type) ||
      (p.protocol_name && *p.protocol_name != g->protocol_name.value_or(""))) {
    return done(SyncError(ErrorCode::kInconsistentGroupProtocol));
  }
  Member& m = it->second;
  m.last_heartbeat_ms = clock_.NowMs();
  auto result = [&](const Member& member) {
    SyncResult r;
    r.protocol_type = g->protocol_type;
    r.protocol_name = g->protocol_name;
    r.assignment = member.assignment;
    return r;
  };
  switch (g->state) {
    case GroupState::kEmpty:
    case GroupState::kDead:
      return done(SyncError(ErrorCode::kUnknownMemberId));
    case GroupState::kPreparingRebalance:
      return done(SyncError(ErrorCode::kRebalanceInProgress));
    case GroupState::kStable:
      return done(result(m));
    case GroupState::kCompletingRebalance:
      Answer(m.awaiting_sync, SyncError(ErrorCode::kRebalanceInProgress));  // a duplicate
      m.awaiting_sync = std::move(done);
      if (m.id != g->leader) return;
      // The leader's assignments, relayed byte for byte; members it left out get nothing.
      for (auto& [id, member] : g->members) member.assignment.clear();
      for (auto& [id, assignment] : p.assignments) {
        auto target = g->members.find(id);
        if (target != g->members.end()) target->second.assignment = std::move(assignment);
      }
      g->state = GroupState::kStable;
      for (auto& [id, member] : g->members) {
        if (member.awaiting_sync) member.last_heartbeat_ms = clock_.NowMs();
        Answer(member.awaiting_sync, result(member));
      }
      return;
  }
}

int16_t GroupCoordinator::Heartbeat(const std::string& group_id, int32_t generation,
                                    const std::string& member_id,
                                    const std::optional<std::string>& group_instance_id) {
  if (group_id.empty()) return Code(ErrorCode::kInvalidGroupId);
  Group* g = Find(group_id);
  if (!g) return Code(ErrorCode::kUnknownMemberId);
  if (g->state == GroupState::kDead) return Code(ErrorCode::kCoordinatorNotAvailable);
  if (IsFenced(*g, member_id, group_instance_id)) return Code(ErrorCode::kFencedInstanceId);
  auto it = g->members.find(member_id);
  if (it == g->members.end()) return Code(ErrorCode::kUnknownMemberId);
  if (generation != g->generation) return Code(ErrorCode::kIllegalGeneration);
  it->second.last_heartbeat_ms = clock_.NowMs();
  if (g->state == GroupState::kPreparingRebalance) return Code(ErrorCode::kRebalanceInProgress);
  return 0;
}

std::vector<int16_t> GroupCoordinator::Leave(const std::string& group_id,
                                             const std::vector<LeavingMember>& members,
                                             int16_t* top_error) {
  *top_error = 0;
  std::vector<int16_t> errors(members.size(), Code(ErrorCode::kUnknownMemberId));
  if (group_id.empty()) {
    *top_error = Code(ErrorCode::kInvalidGroupId);
    return errors;
  }
  Group* g = Find(group_id);
  if (!g) return errors;
  if (g->state == GroupState::kDead) {
    *top_error = Code(ErrorCode::kCoordinatorNotAvailable);
    return errors;
  }
  for (size_t i = 0; i < members.size(); ++i) {
    std::string id = members[i].member_id;
    const auto& instance = members[i].group_instance_id;
    if (instance) {
      auto it = g->static_members.find(*instance);
      if (it != g->static_members.end()) {
        if (id.empty()) {
          id = it->second;
        } else if (it->second != id) {
          errors[i] = Code(ErrorCode::kFencedInstanceId);
          continue;
        }
      }
    }
    if (g->pending_members.erase(id)) {
      errors[i] = 0;
      TryCompleteJoin(*g);
    } else if (g->members.count(id)) {
      errors[i] = 0;
      RemoveMember(*g, id);
    }
  }
  return errors;
}

int16_t GroupCoordinator::ValidateOffsetCommit(const std::string& group_id, int32_t generation,
                                               const std::string& member_id,
                                               const std::optional<std::string>& instance_id) {
  // Like Kafka, the empty group id is accepted for offsets (it can never have members).
  Group* g = Find(group_id);
  if (!g) {
    // A group only this coordinator's members create; a simple consumer commits freely.
    return generation < 0 ? 0 : Code(ErrorCode::kIllegalGeneration);
  }
  if (g->state == GroupState::kDead) return Code(ErrorCode::kCoordinatorNotAvailable);
  if (IsFenced(*g, member_id, instance_id)) return Code(ErrorCode::kFencedInstanceId);
  if (generation < 0 && g->state == GroupState::kEmpty) return 0;
  if (g->state == GroupState::kCompletingRebalance) return Code(ErrorCode::kRebalanceInProgress);
  auto it = g->members.find(member_id);
  if (it == g->members.end()) return Code(ErrorCode::kUnknownMemberId);
  if (generation != g->generation) return Code(ErrorCode::kIllegalGeneration);
  it->second.last_heartbeat_ms = clock_.NowMs();
  return 0;
}

// --- Admin ---------------------------------------------------------------------------------------

std::optional<GroupDescription> GroupCoordinator::Describe(const std::string& group_id) const {
  const Group* g = Find(group_id);
  if (!g) return std::nullopt;
  GroupDescription d;
  d.group_id = g->id;
  d.state = g->state;
  d.protocol_type = g->protocol_type;
  d.generation = g->generation;
  const bool stable = g->state == GroupState::kStable;
  if (stable) d.protocol_data = g->protocol_name.value_or("");
  for (const auto& [id, m] : g->members) {
    MemberDescription md;
    md.member_id = id;
    md.group_instance_id = m.instance_id;
    md.client_id = m.client_id;
    md.client_host = m.client_host;
    if (stable) {
      const Bytes* metadata = MetadataFor(m.protocols, d.protocol_data);
      if (metadata) md.metadata = *metadata;
      md.assignment = m.assignment;
    }
    d.members.push_back(std::move(md));
  }
  return d;
}

std::vector<GroupDescription> GroupCoordinator::List() const {
  std::vector<GroupDescription> out;
  for (const auto& [id, g] : groups_) {
    GroupDescription d;
    d.group_id = id;
    d.state = g.state;
    d.protocol_type = g.protocol_type;
    d.generation = g.generation;
    out.push_back(std::move(d));
  }
  return out;
}

std::optional<std::set<std::string>> GroupCoordinator::SubscribedTopics(
    const std::string& group_id) const {
  const Group* g = Find(group_id);
  if (!g || g->members.empty()) return std::nullopt;
  std::set<std::string> topics;
  if (g->protocol_type != "consumer") return topics;
  for (const auto& [id, m] : g->members) {
    const Bytes* metadata = MetadataFor(m.protocols, g->protocol_name.value_or(""));
    if (!metadata && !m.protocols.empty()) metadata = &m.protocols.front().second;
    if (!metadata) continue;
    auto subscription = ParseSubscriptionTopics(*metadata);
    if (subscription.ok()) topics.insert(subscription->begin(), subscription->end());
  }
  return topics;
}

GroupCoordinator::DeleteOutcome GroupCoordinator::Delete(const std::string& group_id) {
  Group* g = Find(group_id);
  if (!g) return DeleteOutcome::kNotFound;
  if (!g->members.empty() || !g->pending_members.empty()) return DeleteOutcome::kNotEmpty;
  groups_.erase(group_id);
  return DeleteOutcome::kDeleted;
}

void GroupCoordinator::Unload(const std::string& group_id) {
  auto it = groups_.find(group_id);
  if (it == groups_.end()) return;
  // Taken out of the map first: a callback may re-enter the coordinator.
  Group g = std::move(it->second);
  groups_.erase(it);
  for (auto& [id, m] : g.members) {
    Answer(m.awaiting_join, JoinError(ErrorCode::kNotCoordinator, id));
    Answer(m.awaiting_sync, SyncError(ErrorCode::kNotCoordinator));
  }
}

void GroupCoordinator::UnloadAll() {
  std::vector<std::string> ids;
  for (const auto& [id, g] : groups_) ids.push_back(id);
  for (const auto& id : ids) Unload(id);
}

// --- Time ----------------------------------------------------------------------------------------

void GroupCoordinator::Tick() {
  const int64_t now = clock_.NowMs();
  std::vector<std::string> forget;
  for (auto& [group_id, g] : groups_) {
    for (auto it = g.pending_members.begin(); it != g.pending_members.end();) {
      it = it->second <= now ? g.pending_members.erase(it) : std::next(it);
    }
    // Members inside a JoinGroup or SyncGroup long poll are alive; the rebalance deadlines
    // below bound how long they can stay there.
    std::vector<std::string> expired;
    for (const auto& [id, m] : g.members) {
      if (!m.awaiting_join && !m.awaiting_sync &&
          m.last_heartbeat_ms + m.session_timeout_ms <= now) {
        expired.push_back(id);
      }
    }
    for (const auto& id : expired) RemoveMember(g, id);
    if (g.state == GroupState::kPreparingRebalance) {
      if (now >= g.deadline_ms) {
        CompleteJoin(g);
      } else {
        TryCompleteJoin(g);
      }
    } else if (g.state == GroupState::kCompletingRebalance && now >= g.deadline_ms) {
      DropUnsynced(g);
    }
    // An Empty group with no members keeps nothing worth remembering (its offsets are in the
    // store), so it is dropped; describing it later reads the store.
    if (g.state == GroupState::kEmpty && g.members.empty() && g.pending_members.empty()) {
      forget.push_back(group_id);
    }
  }
  for (const auto& id : forget) groups_.erase(id);
}

}  // namespace sluice::agent::groups
