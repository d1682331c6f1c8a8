// A small asynchronous HTTP/1.1 server (Boost.Beast, asio coroutines) for the agent's status,
// metrics, console and internal APIs.
//
// - Routes: exact paths (Route) and path prefixes (RoutePrefix, longest prefix wins); an exact
//   match beats a prefix. Unknown paths get 404 JSON, a known path with another method 405.
// - Keep-alive, a request body limit (413), a header limit (431), a read timeout that also bounds
//   idle keep-alive connections, and a graceful Stop().
// - Runs on the executor it is given; each connection runs on its own strand of that executor.
// Beast stays inside http_server.cc so that only one translation unit pays its compile time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/asio.h"
#include "common/status.h"

namespace sluice::obs {
class Logger;
class MetricsRegistry;
}  // namespace sluice::obs

namespace sluice {

struct HttpRequest {
  std::string method;                        // "GET", "POST", ...
  std::string target;                        // as sent: path plus query
  std::string path;                          // percent-decoded path, without the query
  std::map<std::string, std::string> query;  // decoded; a repeated key keeps its first value
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  // The part of the path after the matched prefix (RoutePrefix only).
  std::string path_suffix;

  // Case-insensitive header lookup; empty when absent.
  std::string_view Header(std::string_view name) const;
  std::optional<std::string> Query(const std::string& key) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  static HttpResponse Text(int status, std::string body);
  static HttpResponse Json(int status, std::string body);
  // {"error":"<message>"} with the message JSON-escaped.
  static HttpResponse JsonError(int status, std::string_view message);
};

using HttpHandler = std::function<Task<HttpResponse>(const HttpRequest&)>;

struct HttpServerOptions {
  std::string address = "0.0.0.0";
  uint16_t port = 0;  // 0 = an ephemeral port; see HttpServer::port()
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16 << 10;
  // Longest wait for a complete request (also how long an idle keep-alive connection is kept).
  std::chrono::milliseconds read_timeout{30000};
  std::chrono::milliseconds write_timeout{30000};
};

class HttpServer {
 public:
  // With a registry, the server records sluice_http_requests_total{method,code} and
  // sluice_http_request_duration_seconds. Logger and registry must outlive the server.
  HttpServer(asio::any_io_executor executor, HttpServerOptions options,
             obs::Logger* logger = nullptr, obs::MetricsRegistry* metrics = nullptr);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Register routes before Start(). The method is matched exactly ("GET"); a GET route also
  // answers HEAD.
  void Route(std::string method, std::string path, HttpHandler handler);
  void RoutePrefix(std::string method, std::string prefix, HttpHandler handler);

  // Binds and listens, then accepts in the background. An address that cannot be bound gives
  // an IOError naming it.
  Status Start();
  // The bound port (the ephemeral one when options.port was 0); 0 before Start().
  uint16_t port() const;

  // Stops accepting, closes idle connections at once, lets requests in progress finish (their
  // connections then close) and force-closes whatever is left after `grace`. Completes when every
  // connection is closed (or 1 s after the forced close if a handler never returns). Safe to call
  // from any thread and more than once.
  Task<void> Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));

  // The number of open connections (for tests and metrics).
  size_t connection_count() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace sluice
