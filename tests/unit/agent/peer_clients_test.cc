// PeerClients: one shared HTTP client per peer address, forgotten when the peer leaves the view.
// (zone_cache_test sends real requests through it.)
#include "agent/cluster/peer_clients.h"

#include <gtest/gtest.h>

namespace sluice::agent {
namespace {

metadata::AgentRecord Peer(int32_t node_id, std::string host, int32_t http_port) {
  metadata::AgentRecord record;
  record.node_id = node_id;
  record.agent.host = std::move(host);
  record.agent.http_port = http_port;
  return record;
}

TEST(PeerClientsTest, OneClientPerAddressForgottenWhenNoAgentAdvertisesIt) {
  asio::io_context io;
  PeerClients peers(io.get_executor());
  auto a = peers.For(Peer(1, "10.0.0.1", 8080));
  EXPECT_EQ(peers.For(Peer(1, "10.0.0.1", 8080)), a);
  // A restarted agent (new node id, same address) shares the client; another port does not.
  EXPECT_EQ(peers.For(Peer(7, "10.0.0.1", 8080)), a);
  auto b = peers.For(Peer(2, "10.0.0.1", 8081));
  EXPECT_NE(b, a);
  auto c = peers.For(Peer(3, "10.0.0.3", 8080));
  EXPECT_EQ(peers.size(), 3u);

  peers.Retain({Peer(2, "10.0.0.1", 8081)});
  EXPECT_EQ(peers.size(), 1u);
  EXPECT_EQ(peers.For(Peer(2, "10.0.0.1", 8081)), b);
  // A caller still holding a dropped client keeps it alive; the next call gets a new one.
  EXPECT_EQ(a.use_count(), 1);
  EXPECT_NE(peers.For(Peer(1, "10.0.0.1", 8080)), a);
  peers.Retain({});
  EXPECT_EQ(peers.size(), 0u);
}

}  // namespace
}  // namespace sluice::agent
