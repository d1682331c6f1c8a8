// A small HTTP/1.1 client for one endpoint, with a keep-alive connection pool (Boost.Beast), TLS
// when asked (OpenSSL through boost::asio::ssl, peer and host name verified) and a deadline per
// exchange. It does not retry; S3ObjectStore decides what is worth retrying.
//
// Not thread-safe: every call must come from the one executor given at construction.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/asio.h"
#include "common/bytes.h"
#include "common/status.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace sluice::storage {

struct HttpEndpoint {
  bool tls = false;
  std::string host;
  uint16_t port = 80;
};

struct HttpRequest {
  std::string method;  // GET, PUT, POST, DELETE, HEAD
  std::string target;  // path and query, already encoded
  std::vector<std::pair<std::string, std::string>> headers;
  Bytes body;
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  Bytes body;

  // The first header with this name (case-insensitive), or "".
  std::string Header(std::string_view name) const;
};

struct HttpClientOptions {
  size_t max_idle_connections = 16;
  uint64_t max_response_bytes = uint64_t{1} << 30;
};

class HttpClient {
 public:
  HttpClient(asio::any_io_executor executor, HttpEndpoint endpoint, HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends the request and reads the whole answer within `timeout`. Transport failures are
  // Unavailable (connection refused/reset, EOF) or Timeout; any HTTP status is a response.
  Task<Result<HttpResponse>> Send(const HttpRequest& request, std::chrono::milliseconds timeout);

  size_t idle_connections() const { return idle_.size(); }

 private:
  struct Connection;
  Task<Result<std::unique_ptr<Connection>>> Connect(std::chrono::steady_clock::time_point deadline);
  Task<Result<HttpResponse>> Exchange(Connection& connection, const HttpRequest& request,
                                      std::chrono::steady_clock::time_point deadline,
                                      bool& keep_alive);

  asio::any_io_executor executor_;
  HttpEndpoint endpoint_;
  HttpClientOptions options_;
  std::unique_ptr<asio::ssl::context> tls_context_;
  std::deque<std::unique_ptr<Connection>> idle_;
};

}  // namespace sluice::storage
