// Wakes long-polling fetches on other agents when this agent commits: after each commit the new
// high watermarks are posted to every other live agent that serves consumers
// (POST /v1/internal/commits), which raises its cached offsets and wakes its waiting fetches.
// Without it a consumer on agent B would see agent A's records only when its fetch's max wait
// ran out. Notices are best effort (a lost one costs at most one max wait) and coalesced: at most
// one request in flight per peer; watermarks that arrive meanwhile go in the next one.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "agent/cluster/cluster_view.h"
#include "agent/cluster/peer_clients.h"
#include "common/asio.h"
#include "common/status.h"

namespace sluice::agent {

struct CommitNotice {
  std::string topic;
  int32_t partition = 0;
  int64_t high_watermark = 0;
  int64_t log_start_offset = 0;
  int64_t last_stable_offset = -1;           // -1: unknown (notices of agents before transactions)
  std::optional<int64_t> last_abort_offset;  // unknown unless the sender knew it with the LSO
};

// The wire form: one "topic\tpartition\thigh_watermark\tlog_start_offset" line per partition,
// followed by "\tlast_stable_offset" when known and then "\tlast_abort_offset" when known
// (4-field lines of older agents stay valid).
std::string EncodeCommitNotices(const std::vector<CommitNotice>& notices);
// Validates every field (topic name characters, non-negative numbers); InvalidArgument otherwise.
Result<std::vector<CommitNotice>> DecodeCommitNotices(std::string_view body);

class CommitNoticeSender {
 public:
  CommitNoticeSender(asio::any_io_executor executor, const ClusterView& cluster,
                     PeerClients& peers);

  // Queues the watermarks for every other consumer-serving agent and sends what is due.
  void Send(const std::vector<CommitNotice>& notices);

  uint64_t sent() const { return sent_; }
  uint64_t failed() const { return failed_; }

 private:
  struct Peer {
    bool in_flight = false;
    std::map<std::pair<std::string, int32_t>, CommitNotice> pending;  // latest per partition
  };
  void Pump(const metadata::AgentRecord& peer);
  Task<void> Deliver(metadata::AgentRecord peer, std::string body);

  asio::any_io_executor executor_;
  const ClusterView& cluster_;
  PeerClients& peers_;
  std::map<int32_t, Peer> by_node_;
  uint64_t sent_ = 0;
  uint64_t failed_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

 public:
  ~CommitNoticeSender() { *alive_ = false; }
};

}  // namespace sluice::agent
