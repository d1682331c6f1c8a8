// One blocking TCP connection to a Kafka broker, with a deadline on every operation. The admin
// CLI blocks anyway, so plain sockets with poll() keep this small and free of event loops.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace sluice::client {

struct Endpoint {
  std::string host;
  uint16_t port = 0;
  std::string ToString() const { return host + ":" + std::to_string(port); }
  bool operator==(const Endpoint&) const = default;
};

// "host:port" (IPv6 as "[::1]:9092"); the port is required.
Result<Endpoint> ParseEndpoint(std::string_view text);
// A comma-separated list of endpoints; empty entries are ignored, an empty list is an error.
Result<std::vector<Endpoint>> ParseBootstrap(std::string_view text);

class Connection {
 public:
  // Resolves and connects within `timeout`; Unavailable with the address on failure.
  static Result<Connection> Open(const Endpoint& endpoint, std::chrono::milliseconds timeout);

  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Writes all of `data` before `deadline`.
  Status SendAll(ByteView data, std::chrono::steady_clock::time_point deadline);
  // Reads one size-prefixed frame (the body without its INT32 size) before `deadline`. Frames
  // larger than `max_frame_bytes` are refused: a confused peer cannot make us allocate gigabytes.
  Result<Bytes> ReadFrame(std::chrono::steady_clock::time_point deadline,
                          size_t max_frame_bytes = 256 * 1024 * 1024);

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  Connection(int fd, Endpoint endpoint) : fd_(fd), endpoint_(std::move(endpoint)) {}
  Status ReadExactly(uint8_t* out, size_t n, std::chrono::steady_clock::time_point deadline);
  void Close();

  int fd_ = -1;
  Endpoint endpoint_;
};

}  // namespace sluice::client
