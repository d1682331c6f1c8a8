// Forwarding of consumer-group requests to the agent that owns the group. The agent a client was
// sent to by FindCoordinator may not own the group (the owner moved, or, later, the owner does not
// serve the client's role); it then POSTs the request frame to the owner's HTTP port, which runs it
// through its own KafkaApi flagged as forwarded (never forwarded again: an agent that no longer
// owns the group answers NOT_COORDINATOR and the client looks the coordinator up again).
//
//   POST /v1/internal/kafka
//   X-Sluice-Client-Host: <the client's ip:port>   (so DescribeGroups shows the real client)
//   body: the request frame, header + body, without the 4-byte size
//   200, body: the response frame, header + body
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "agent/cluster/peer_clients.h"
#include "common/asio.h"
#include "common/bytes.h"
#include "common/status.h"
#include "metadata/metadata_store.h"

namespace sluice {
class HttpServer;
}  // namespace sluice

namespace sluice::agent {

class KafkaApi;
class ClusterView;
namespace groups {
class LeaseGroupOwnership;
}  // namespace groups

inline constexpr const char* kForwardPath = "/v1/internal/kafka";
inline constexpr const char* kForwardClientHostHeader = "X-Sluice-Client-Host";
// Forwarded request bodies are Kafka request frames; SyncGroup assignments can be large.
inline constexpr size_t kMaxForwardedFrameBytes = 16 << 20;

class GroupForwarder {
 public:
  // `peers` (the agent's clients to the other agents) must outlive the forwarder.
  explicit GroupForwarder(PeerClients& peers);
  ~GroupForwarder();
  GroupForwarder(const GroupForwarder&) = delete;
  GroupForwarder& operator=(const GroupForwarder&) = delete;

  // Sends `frame` to `owner` and returns its response frame. A transport failure, a timeout or
  // an answer other than 200 is an error (the caller answers NOT_COORDINATOR).
  Task<Result<Bytes>> Forward(const metadata::AgentRecord& owner, const Bytes& frame,
                              const std::string& client_host, std::chrono::milliseconds timeout);

 private:
  PeerClients& peers_;
};

// Registers POST /v1/internal/kafka on `http` (before it starts), answered by `api`.
void RouteForwardedGroupRequests(HttpServer& http, KafkaApi& api);
// Registers GET /v1/groups/owned: {"node_id":N,"leases":true,"groups":["g1",...]}, the groups this
// agent owns (for operators and tests: which agent to look at, or to stop, for a group).
void RouteOwnedGroups(HttpServer& http, const groups::LeaseGroupOwnership& ownership,
                      const ClusterView& cluster);

}  // namespace sluice::agent
