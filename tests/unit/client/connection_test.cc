#include "client/connection.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "client/kafka_client.h"

namespace sluice::client {
namespace {

TEST(ParseEndpoint, HostPortAndIpv6) {
  auto e = ParseEndpoint("example.com:9092");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->host, "example.com");
  EXPECT_EQ(e->port, 9092);
  auto v6 = ParseEndpoint("[::1]:19092");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 19092);
}

TEST(ParseEndpoint, RejectsMissingOrBadPort) {
  for (const char* bad : {"localhost", "localhost:", ":9092", "h:0", "h:65536", "h:12x", "[::1]"}) {
    EXPECT_FALSE(ParseEndpoint(bad).ok()) << bad;
  }
}

TEST(ParseBootstrap, CommaListSkipsEmptyEntries) {
  auto list = ParseBootstrap("a:1, b:2,,c:3");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[1], (Endpoint{"b", 2}));
  EXPECT_FALSE(ParseBootstrap("").ok());
  EXPECT_FALSE(ParseBootstrap("a:1,b").ok());
}

// A port nobody listens on: bind, read the port, close.
uint16_t ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TEST(KafkaClient, UnreachableBrokersAreNamedInTheError) {
  ClientOptions options;
  uint16_t port = ClosedPort();
  options.bootstrap = {{"127.0.0.1", port}};
  options.timeout = std::chrono::milliseconds(500);
  auto client = KafkaClient::Connect(options);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(client.status().message().find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << client.status().message();
}

TEST(KafkaClient, SilentBrokerTimesOut) {
  // Accepts the connection but never answers ApiVersions.
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  ClientOptions options;
  options.bootstrap = {{"127.0.0.1", ntohs(addr.sin_port)}};
  options.timeout = std::chrono::milliseconds(200);
  auto start = std::chrono::steady_clock::now();
  auto client = KafkaClient::Connect(options);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ::close(listener);
  ASSERT_FALSE(client.ok());
  EXPECT_NE(client.status().message().find("timed out"), std::string::npos)
      << client.status().message();
  EXPECT_LT(elapsed, std::chrono::seconds(3));
}

TEST(Connection, RefusesImpossibleFrameSizes) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::thread server([&] {
    int c = ::accept(listener, nullptr, nullptr);
    const uint8_t huge[4] = {0x7f, 0xff, 0xff, 0xff};
    ::send(c, huge, 4, 0);
    char buf[1];
    ::recv(c, buf, 1, 0);  // until the client closes
    ::close(c);
  });
  {
    auto conn = Connection::Open({"127.0.0.1", ntohs(addr.sin_port)}, std::chrono::seconds(2));
    ASSERT_TRUE(conn.ok()) << conn.status().message();
    // A 2 GiB frame is refused before anything is allocated, and the connection is closed.
    auto frame = conn->ReadFrame(std::chrono::steady_clock::now() + std::chrono::seconds(2));
    EXPECT_FALSE(frame.ok());
    EXPECT_EQ(frame.status().code(), StatusCode::kCorruption);
  }
  server.join();
  ::close(listener);
}

}  // namespace
}  // namespace sluice::client
