// Keep-alive HTTP clients to the other agents of the cluster, one per peer HTTP address, created
// on first use and shared by every internal call between agents: zone-cache range reads
// (fetch/zone_cache.h), forwarded group requests (kafka/group_forwarder.h) and commit notices
// (commit_notices.h). A client holds several connections, so calls to one peer run concurrently.
// Event-loop only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "agent/cluster/cluster_view.h"
#include "common/asio.h"

namespace sluice::storage {
class HttpClient;
}  // namespace sluice::storage

namespace sluice::agent {

class PeerClients {
 public:
  // The largest answer read from a peer: a forwarded group response (a SyncGroup with large
  // assignments). Zone-cache callers check the exact size they asked for.
  static constexpr uint64_t kMaxResponseBytes = uint64_t{128} << 20;

  explicit PeerClients(asio::any_io_executor executor);
  ~PeerClients();
  PeerClients(const PeerClients&) = delete;
  PeerClients& operator=(const PeerClients&) = delete;

  // The client for the peer's advertised HTTP address (host and http_port). Hold the pointer
  // until the call is answered: Retain may drop the map's reference meanwhile.
  std::shared_ptr<storage::HttpClient> For(const metadata::AgentRecord& peer);

  // Forgets the clients of addresses no agent of `live` advertises (agents come and go; called
  // after every membership refresh). Their idle connections close once no call uses them.
  void Retain(const AgentList& live);

  size_t size() const { return clients_.size(); }

 private:
  using Address = std::pair<std::string, uint16_t>;
  asio::any_io_executor executor_;
  std::map<Address, std::shared_ptr<storage::HttpClient>> clients_;
};

}  // namespace sluice::agent
