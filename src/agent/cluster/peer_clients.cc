#include "agent/cluster/peer_clients.h"

#include <set>

#include "storage/s3_http_client.h"

namespace sluice::agent {

namespace {
// Enough for the zone cache's concurrent range reads to one owner; the other uses are sparse.
constexpr size_t kMaxIdleConnections = 8;
}  // namespace

PeerClients::PeerClients(asio::any_io_executor executor) : executor_(std::move(executor)) {}
PeerClients::~PeerClients() = default;

std::shared_ptr<storage::HttpClient> PeerClients::For(const metadata::AgentRecord& peer) {
  Address address{peer.agent.host, static_cast<uint16_t>(peer.agent.http_port)};
  auto& client = clients_[address];
  if (!client) {
    storage::HttpClientOptions options;
    options.max_idle_connections = kMaxIdleConnections;
    options.max_response_bytes = kMaxResponseBytes;
    client = std::make_shared<storage::HttpClient>(
        executor_, storage::HttpEndpoint{false, address.first, address.second}, options);
  }
  return client;
}

void PeerClients::Retain(const AgentList& live) {
  std::set<Address> advertised;
  for (const auto& agent : live) {
    advertised.emplace(agent.agent.host, static_cast<uint16_t>(agent.agent.http_port));
  }
  std::erase_if(clients_, [&](const auto& entry) { return !advertised.contains(entry.first); });
}

}  // namespace sluice::agent
