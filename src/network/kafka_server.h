// The Kafka TCP server: accepts connections, splits the byte stream into size-prefixed frames and
// hands each frame to a KafkaRequestHandler. Requests are admitted strictly in arrival order per
// connection (so pipelined produce requests keep their order), may then complete concurrently, and
// their responses are written back in request order, as Kafka requires.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/asio.h"
#include "common/bytes.h"
#include "common/status.h"

namespace sluice::network {

// What a handler may ask of the connection a request came on.
class ConnectionControl {
 public:
  // Reads no further request from this connection before `until`: Kafka mutes a throttled
  // client's channel the same way (KIP-219), which slows clients that pipeline requests or ignore
  // throttle_time_ms.
  void PauseReadsUntil(std::chrono::steady_clock::time_point until) {
    if (until > pause_reads_until_) pause_reads_until_ = until;
  }
  std::chrono::steady_clock::time_point pause_reads_until() const { return pause_reads_until_; }

 private:
  std::chrono::steady_clock::time_point pause_reads_until_{};
};

struct ConnectionInfo {
  uint64_t id = 0;
  std::string peer;  // "ip:port"
  // Null for requests that did not come on a client connection (forwarded by another agent).
  std::shared_ptr<ConnectionControl> control;
};

// The remaining work of an admitted request; yields the response frame body (without the 4-byte
// size prefix), or nullopt when the request gets no response (produce with acks=0).
using ResponseTask = Task<std::optional<Bytes>>;

class KafkaRequestHandler {
 public:
  virtual ~KafkaRequestHandler() = default;
  // Runs the order-sensitive part of a request (decoding, appending to the produce buffer) and
  // returns the rest. An error closes this connection only.
  virtual Task<Result<ResponseTask>> Admit(const ConnectionInfo& connection, Bytes frame) = 0;
};

struct KafkaServerOptions {
  std::string listen_address = "0.0.0.0";
  uint16_t port = 9092;
  uint32_t max_frame_bytes = 100 * 1024 * 1024;  // like Kafka's socket.request.max.bytes
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(10)};
  // Pipelining bounds per connection. Produce requests wait for the next flush, so a producer
  // that sends one small request per partition needs many in flight (the benchmark showed 64
  // capping a 16-partition producer at 256 requests/s); memory is bounded by bytes instead.
  size_t max_in_flight_per_connection = 4096;
  size_t max_in_flight_bytes_per_connection = 128 * 1024 * 1024;
};

struct KafkaServerCounters {
  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<int64_t> connections_open{0};
  std::atomic<uint64_t> connections_closed_on_error{0};
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> bytes_out{0};
};

class KafkaServer {
 public:
  KafkaServer(asio::any_io_executor executor, KafkaRequestHandler& handler,
              KafkaServerOptions options);
  ~KafkaServer();

  // Binds and starts accepting.
  Status Start();
  // Stops accepting new connections; open ones keep being served (graceful shutdown).
  void StopAccepting();
  // Stops accepting and closes every connection.
  void Stop();
  uint16_t port() const { return bound_port_; }
  const KafkaServerCounters& counters() const { return counters_; }

 private:
  class Connection;
  Task<void> AcceptLoop();

  asio::any_io_executor executor_;
  KafkaRequestHandler& handler_;
  KafkaServerOptions options_;
  asio::ip::tcp::acceptor acceptor_;
  uint16_t bound_port_ = 0;
  uint64_t next_connection_id_ = 1;
  KafkaServerCounters counters_;
  std::shared_ptr<bool> stopped_ = std::make_shared<bool>(false);
  std::vector<std::weak_ptr<Connection>> connections_;
};

}  // namespace sluice::network
