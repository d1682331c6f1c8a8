// Keep-alive HTTP clients to the other agents of the cluster, one per peer address, created on
// first use. Used for internal calls between agents (commit notices today). Event-loop only.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "metadata/metadata_store.h"
#include "storage/s3_http_client.h"

namespace sluice::agent {

class PeerClients {
 public:
  explicit PeerClients(asio::any_io_executor executor) : executor_(executor) {}

  storage::HttpClient& For(const metadata::AgentRecord& peer) {
    auto key = std::make_pair(peer.agent.host, static_cast<uint16_t>(peer.agent.http_port));
    auto& client = clients_[key];
    if (!client) {
      storage::HttpEndpoint endpoint;
      endpoint.host = key.first;
      endpoint.port = key.second;
      storage::HttpClientOptions options;
      options.max_idle_connections = 4;
      options.max_response_bytes = 64 << 20;
      client = std::make_unique<storage::HttpClient>(executor_, endpoint, options);
    }
    return *client;
  }

 private:
  asio::any_io_executor executor_;
  std::map<std::pair<std::string, uint16_t>, std::unique_ptr<storage::HttpClient>> clients_;
};

}  // namespace sluice::agent
