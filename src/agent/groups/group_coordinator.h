// The classic consumer-group protocol (JoinGroup/SyncGroup/Heartbeat/LeaveGroup) as a state
// machine: Empty -> PreparingRebalance -> CompletingRebalance -> Stable, and Dead for a deleted
// group. It is single-threaded (the agent's event loop) and knows nothing of sockets or asio:
// JoinGroup and SyncGroup answer through callbacks, possibly later (the long poll of a rebalance),
// and time moves only through the injected Clock and Tick(), so tests drive it with a manual clock.
// Committed offsets are not kept here: they live in the metadata store (see handlers/groups.cc).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"

namespace sluice::agent::groups {

enum class GroupState { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable, kDead };
// The names Kafka uses in DescribeGroups and ListGroups.
const char* GroupStateName(GroupState state);

struct GroupSettings {
  // group.initial.rebalance.delay.ms: an Empty group waits this long for more members before its
  // first generation, extended by each new member up to the rebalance timeout.
  int64_t initial_rebalance_delay_ms = 3000;
  int32_t min_session_timeout_ms = 6000;     // group.min.session.timeout.ms
  int32_t max_session_timeout_ms = 1800000;  // group.max.session.timeout.ms
};

using Protocols = std::vector<std::pair<std::string, Bytes>>;  // (name, metadata), by preference

struct JoinParams {
  std::string group_id;
  std::string member_id;  // empty for a new member
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = -1;  // -1 (JoinGroup v0): the session timeout
  std::string protocol_type;
  Protocols protocols;
  bool require_known_member_id = false;  // JoinGroup v4+ (KIP-394)
};

struct JoinedMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  Bytes metadata;
};

struct JoinResult {
  int16_t error = 0;
  int32_t generation = -1;
  std::string protocol_type;
  std::optional<std::string> protocol_name;
  std::string leader;
  std::string member_id;
  bool skip_assignment = false;
  std::vector<JoinedMember> members;  // only for the leader
};

struct SyncParams {
  std::string group_id;
  int32_t generation = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::optional<std::string> protocol_type;  // checked when given (SyncGroup v5+)
  std::optional<std::string> protocol_name;
  std::vector<std::pair<std::string, Bytes>> assignments;  // from the leader
};

struct SyncResult {
  int16_t error = 0;
  std::string protocol_type;
  std::optional<std::string> protocol_name;
  Bytes assignment;
};

struct LeavingMember {
  std::string member_id;  // may be empty when group_instance_id names the member
  std::optional<std::string> group_instance_id;
};

struct MemberDescription {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  Bytes metadata;    // of the selected protocol, when Stable
  Bytes assignment;  // when Stable
};

struct GroupDescription {
  std::string group_id;
  GroupState state = GroupState::kEmpty;
  std::string protocol_type;
  std::string protocol_data;  // the selected protocol, when Stable
  int32_t generation = 0;
  std::vector<MemberDescription> members;
};

using JoinCallback = std::function<void(JoinResult)>;
using SyncCallback = std::function<void(SyncResult)>;

class GroupCoordinator {
 public:
  GroupCoordinator(const Clock& clock, GroupSettings settings);

  // Answers now or when the rebalance completes (at most the rebalance timeout later).
  void Join(JoinParams params, JoinCallback done);
  // Answers now, or when the leader's SyncGroup arrives.
  void Sync(SyncParams params, SyncCallback done);
  int16_t Heartbeat(const std::string& group_id, int32_t generation, const std::string& member_id,
                    const std::optional<std::string>& group_instance_id);
  // One error per member (in order); `top_error` is set for a group-level failure.
  std::vector<int16_t> Leave(const std::string& group_id, const std::vector<LeavingMember>& members,
                             int16_t* top_error);
  // May this member commit offsets now? 0 or a Kafka error code. Refreshes the member's session.
  int16_t ValidateOffsetCommit(const std::string& group_id, int32_t generation,
                               const std::string& member_id,
                               const std::optional<std::string>& group_instance_id);

  // nullopt when the coordinator holds no state for the group.
  std::optional<GroupDescription> Describe(const std::string& group_id) const;
  std::vector<GroupDescription> List() const;  // members omitted
  // Topics the members of an active "consumer" group subscribe to (from their subscription
  // metadata); nullopt when the group has no members.
  std::optional<std::set<std::string>> SubscribedTopics(const std::string& group_id) const;

  enum class DeleteOutcome { kDeleted, kNotFound, kNotEmpty };
  // Forgets the group if it has no members. Offsets are the caller's to delete.
  DeleteOutcome Delete(const std::string& group_id);

  // Forgets a group whose ownership moved to another agent: members waiting in a JoinGroup or
  // SyncGroup long poll are answered NOT_COORDINATOR, so they look the coordinator up again and
  // rejoin there. Committed offsets are in the store and need no hand-over.
  void Unload(const std::string& group_id);
  void UnloadAll();
  bool Has(const std::string& group_id) const { return groups_.count(group_id) != 0; }

  // Expires sessions and pending members, completes rebalances whose time is up. Call often
  // (the agent ticks every 50 ms); tests call it after moving their clock.
  void Tick();

  size_t group_count() const { return groups_.size(); }

 private:
  struct Member {
    std::string id;
    std::optional<std::string> instance_id;
    std::string client_id;
    std::string client_host;
    int32_t session_timeout_ms = 0;
    int32_t rebalance_timeout_ms = 0;
    std::string protocol_type;
    Protocols protocols;
    Bytes assignment;
    JoinCallback awaiting_join;  // set while in a JoinGroup long poll
    SyncCallback awaiting_sync;  // set while waiting for the leader's SyncGroup
    int64_t last_heartbeat_ms = 0;
  };
  struct Group {
    std::string id;
    GroupState state = GroupState::kEmpty;
    int32_t generation = 0;
    std::string protocol_type;
    std::optional<std::string> protocol_name;
    std::string leader;
    std::map<std::string, Member> members;
    std::map<std::string, std::string> static_members;  // instance id -> member id
    std::map<std::string, int64_t> pending_members;     // KIP-394: member id -> expiry
    // PreparingRebalance: when the join phase ends. CompletingRebalance: when members that have
    // not sent SyncGroup are dropped.
    int64_t deadline_ms = 0;
    bool initial_delay = false;  // the join phase of an Empty group (no early completion)
    int64_t initial_max_ms = 0;  // the initial delay never extends past this
  };

  Group* Find(const std::string& id);
  const Group* Find(const std::string& id) const;
  std::string NewMemberId(const std::string& client_id);
  bool SupportsProtocols(const Group& g, const JoinParams& p) const;
  bool IsFenced(const Group& g, const std::string& member_id,
                const std::optional<std::string>& instance_id) const;

  void JoinNewMember(Group& g, JoinParams p, JoinCallback done);
  void JoinKnownMember(Group& g, JoinParams p, JoinCallback done);
  void ReplaceStaticMember(Group& g, const std::string& old_id, JoinParams p, JoinCallback done);
  void AddMemberAndRebalance(Group& g, const std::string& id, JoinParams p, JoinCallback done);
  void UpdateMember(Member& m, JoinParams& p, JoinCallback done);
  void MaybePrepareRebalance(Group& g);
  void PrepareRebalance(Group& g);
  void TryCompleteJoin(Group& g);
  void CompleteJoin(Group& g);
  void RemoveMember(Group& g, const std::string& member_id);
  void DropUnsynced(Group& g);
  std::string SelectProtocol(const Group& g) const;
  int32_t MaxRebalanceTimeout(const Group& g) const;
  JoinResult CurrentJoinResult(const Group& g, const Member& m) const;
  std::vector<JoinedMember> MemberMetadata(const Group& g) const;

  const Clock& clock_;
  GroupSettings settings_;
  std::map<std::string, Group> groups_;
  std::mt19937_64 random_;
};

}  // namespace sluice::agent::groups
