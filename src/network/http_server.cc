#include "network/http_server.h"

// "common/asio.h" must come before any Beast header (Boost 1.74 + g++ 12 needs <utility> first).
#include <algorithm>
#include <atomic>
#include <boost/asio/redirect_error.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <set>

#include "common/asio.h"
#include "observability/logger.h"
#include "observability/metrics.h"

namespace sluice {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = LowerAscii(c);
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes s; in a query `+` is a space. Returns nullopt on a malformed escape.
std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string JsonEscape(std::string_view s) {
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out;
}

struct RouteEntry {
  std::string method;
  std::string path;
  bool prefix = false;
  HttpHandler handler;
};

}  // namespace

std::string_view HttpRequest::Header(std::string_view name) const {
  std::string lower = LowerAscii(name);
  for (const auto& [k, v] : headers) {
    if (k == lower) return v;
  }
  return {};
}

std::optional<std::string> HttpRequest::Query(const std::string& key) const {
  auto it = query.find(key);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

HttpResponse HttpResponse::Text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::JsonError(int status, std::string_view message) {
  return Json(status, "{\"error\":\"" + JsonEscape(message) + "\"}");
}

// One accepted connection. All its fields are used only on its own strand (the socket's executor).
struct Connection {
  explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;
  bool idle = true;              // waiting for a request (safe to close at once)
  bool close_requested = false;  // finish the current request, then close
};

struct HttpServer::State {
  asio::any_io_executor executor;
  asio::strand<asio::any_io_executor> strand;  // serialises the acceptor
  HttpServerOptions options;
  obs::Logger* logger = nullptr;
  std::vector<RouteEntry> routes;
  std::optional<tcp::acceptor> acceptor;
  std::atomic<uint16_t> port{0};

  std::mutex mu;  // guards connections and stopping
  std::set<std::shared_ptr<Connection>> connections;
  bool stopping = false;

  obs::CounterFamily* requests = nullptr;
  obs::Histogram* latency = nullptr;

  State(asio::any_io_executor ex, HttpServerOptions opts, obs::Logger* log,
        obs::MetricsRegistry* metrics)
      : executor(ex), strand(asio::make_strand(ex)), options(std::move(opts)), logger(log) {
    if (metrics) {
      requests = &metrics->AddCounter("sluice_http_requests_total",
                                      "HTTP requests answered, by method and status code.",
                                      {"method", "code"});
      latency = &metrics
                     ->AddHistogram("sluice_http_request_duration_seconds",
                                    "Time from a complete HTTP request to its answer.",
                                    obs::DefaultSecondsBuckets())
                     .Get();
    }
  }

  void Record(std::string_view method, int status, std::chrono::steady_clock::duration took) {
    if (!requests) return;
    // Unknown methods share one label value so that clients cannot grow the series set.
    static constexpr std::string_view kKnown[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"};
    std::string m = "other";
    for (auto k : kKnown) {
      if (method == k) m = std::string(k);
    }
    requests->WithLabels({m, std::to_string(status)}).Inc();
    latency->Observe(std::chrono::duration<double>(took).count());
  }

  void Warn(std::string_view msg, std::string_view detail) {
    if (logger) logger->Warn(msg, {{"component", "http"}, {"detail", detail}});
  }
};

namespace {

using State = HttpServer::State;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// Parses the request target into path and query; false when it is malformed.
bool ParseTarget(std::string_view target, HttpRequest& out) {
  if (target.empty() || target.front() != '/') return false;
  size_t q = target.find('?');
  auto path = PercentDecode(target.substr(0, q), /*plus_is_space=*/false);
  if (!path) return false;
  out.path = std::move(*path);
  if (q == std::string_view::npos) return true;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto key = PercentDecode(pair.substr(0, eq), true);
    auto value = PercentDecode(
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!key || !value) return false;
    out.query.emplace(std::move(*key), std::move(*value));  // the first value of a key wins
  }
  return true;
}

Task<HttpResponse> Dispatch(State& st, HttpRequest& req) {
  const std::string method = req.method == "HEAD" ? std::string("GET") : req.method;
  // Exact routes first, then the longest matching prefix.
  std::vector<const RouteEntry*> on_path;
  for (const auto& r : st.routes) {
    if (!r.prefix && r.path == req.path) on_path.push_back(&r);
  }
  if (on_path.empty()) {
    size_t best = 0;
    for (const auto& r : st.routes) {
      if (!r.prefix || !req.path.starts_with(r.path)) continue;
      if (r.path.size() > best) {
        best = r.path.size();
        on_path.clear();
      }
      if (r.path.size() == best) on_path.push_back(&r);
    }
  }
  if (on_path.empty()) {
    co_return HttpResponse::JsonError(404, "no route for " + req.path);
  }
  for (const RouteEntry* r : on_path) {
    if (r->method != method) continue;
    if (r->prefix) req.path_suffix = req.path.substr(r->path.size());
    try {
      co_return co_await r->handler(req);
    } catch (const std::exception& e) {
      st.Warn("http handler failed", e.what());
      co_return HttpResponse::JsonError(500, "internal error");
    }
  }
  std::string allow;
  for (const RouteEntry* r : on_path) {
    if (allow.find(r->method) != std::string::npos) continue;
    if (!allow.empty()) allow += ", ";
    allow += r->method;
    if (r->method == "GET") allow += ", HEAD";
  }
  HttpResponse resp =
      HttpResponse::JsonError(405, "method " + req.method + " not allowed for " + req.path);
  resp.headers.emplace_back("Allow", allow);
  co_return resp;
}

Response ToBeast(const HttpResponse& in, unsigned version, bool keep_alive, bool head) {
  int status = (in.status < 100 || in.status > 599) ? 500 : in.status;
  Response res{static_cast<http::status>(status), version};
  res.set(http::field::server, "sluice");
  res.set(http::field::content_type, in.content_type);
  for (const auto& [k, v] : in.headers) res.insert(k, v);
  res.keep_alive(keep_alive);
  if (head) {
    res.content_length(in.body.size());
  } else {
    res.body() = in.body;
    res.prepare_payload();
  }
  return res;
}

Task<void> WriteResponse(Connection& c, const State& st, Response res) {
  beast::error_code ec;
  c.stream.expires_after(st.options.write_timeout);
  co_await http::async_write(c.stream, res, asio::redirect_error(asio::use_awaitable, ec));
}

// After refusing a request whose body we did not read, read and drop what the client still
// sends (bounded) so that closing does not reset the connection before it reads our answer.
Task<void> DrainAndClose(Connection& c) {
  beast::error_code ec;
  c.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  c.stream.expires_after(std::chrono::seconds(1));
  std::array<char, 16384> scratch;
  size_t drained = 0;
  while (drained < (64u << 20)) {
    size_t n = co_await c.stream.async_read_some(asio::buffer(scratch),
                                                 asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    drained += n;
  }
}

Task<void> Serve(std::shared_ptr<State> st, std::shared_ptr<Connection> c) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(st->options.max_body_bytes);
    parser.header_limit(static_cast<uint32_t>(st->options.max_header_bytes));
    if (c->close_requested) break;
    c->idle = true;
    c->stream.expires_after(st->options.read_timeout);
    beast::error_code ec;
    co_await http::async_read(c->stream, buffer, parser,
                              asio::redirect_error(asio::use_awaitable, ec));
    c->idle = false;
    if (ec) {
      int status = 0;
      std::string why;
      if (ec == http::error::body_limit) {
        status = 413;
        why = "request body larger than " + std::to_string(st->options.max_body_bytes) + " bytes";
      } else if (ec == http::error::header_limit) {
        status = 431;
        why = "request header too large";
      } else if (ec.category() == beast::error_code(http::error::end_of_stream).category() &&
                 ec != http::error::end_of_stream && ec != http::error::partial_message) {
        status = 400;
        why = "malformed request: " + ec.message();
      }
      if (status != 0) {
        Response out = ToBeast(HttpResponse::JsonError(status, why), 11, false, false);
        co_await WriteResponse(*c, *st, std::move(out));
        co_await DrainAndClose(*c);
      }
      break;  // closed by the peer, timed out, or cancelled by Stop()
    }

    Request& raw = parser.get();
    HttpRequest req;
    req.method = std::string(raw.method_string());
    req.target = std::string(raw.target());
    for (const auto& field : raw) {
      std::string_view name(field.name_string().data(), field.name_string().size());
      req.headers.emplace_back(LowerAscii(name), std::string(field.value()));
    }
    req.body = std::move(raw.body());
    auto started = std::chrono::steady_clock::now();
    HttpResponse resp;
    if (!ParseTarget(req.target, req)) {
      resp = HttpResponse::JsonError(400, "malformed request target");
    } else {
      resp = co_await Dispatch(*st, req);
    }
    bool stopping;
    {
      std::lock_guard lock(st->mu);
      stopping = st->stopping;
    }
    bool keep_alive = raw.keep_alive() && !stopping && !c->close_requested;
    Response out = ToBeast(resp, raw.version(), keep_alive, req.method == "HEAD");
    st->Record(req.method, out.result_int(), std::chrono::steady_clock::now() - started);
    co_await WriteResponse(*c, *st, std::move(out));
    if (!keep_alive) break;
  }
  beast::error_code ignored;
  c->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  c->stream.socket().close(ignored);
  std::lock_guard lock(st->mu);
  st->connections.erase(c);
}

Task<void> AcceptLoop(std::shared_ptr<State> st) {
  for (;;) {
    tcp::socket socket(asio::make_strand(st->executor));
    beast::error_code ec;
    co_await st->acceptor->async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !st->acceptor->is_open()) co_return;
    if (ec) {
      // Typically out of file descriptors: back off instead of spinning.
      st->Warn("http accept failed", ec.message());
      asio::steady_timer timer(st->strand, std::chrono::milliseconds(100));
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    auto conn = std::make_shared<Connection>(std::move(socket));
    {
      std::lock_guard lock(st->mu);
      if (st->stopping) co_return;
      st->connections.insert(conn);
    }
    asio::co_spawn(conn->stream.get_executor(), Serve(st, conn), [st](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        st->Warn("http connection failed", ex.what());
      }
    });
  }
}

// Closes idle connections (or all of them when `force`) on their own strands; busy ones are
// told to close after their current response.
void CloseConnections(State& st, bool force) {
  std::vector<std::shared_ptr<Connection>> conns;
  {
    std::lock_guard lock(st.mu);
    conns.assign(st.connections.begin(), st.connections.end());
  }
  for (auto& c : conns) {
    asio::post(c->stream.get_executor(), [c, force] {
      c->close_requested = true;
      beast::error_code ignored;
      if (force) {
        c->stream.socket().close(ignored);  // a busy connection's write then fails and it ends
      } else if (c->idle) {
        c->stream.socket().cancel(ignored);
      }
    });
  }
}

}  // namespace

HttpServer::HttpServer(asio::any_io_executor executor, HttpServerOptions options,
                       obs::Logger* logger, obs::MetricsRegistry* metrics)
    : state_(std::make_shared<State>(executor, std::move(options), logger, metrics)) {}

HttpServer::~HttpServer() {
  // Best effort when Stop() was not awaited: nothing new is accepted and connections close.
  auto st = state_;
  {
    std::lock_guard lock(st->mu);
    st->stopping = true;
  }
  asio::post(st->strand, [st] {
    beast::error_code ignored;
    if (st->acceptor) st->acceptor->close(ignored);
  });
  CloseConnections(*st, /*force=*/true);
}

void HttpServer::Route(std::string method, std::string path, HttpHandler handler) {
  state_->routes.push_back({std::move(method), std::move(path), false, std::move(handler)});
}

void HttpServer::RoutePrefix(std::string method, std::string prefix, HttpHandler handler) {
  state_->routes.push_back({std::move(method), std::move(prefix), true, std::move(handler)});
}

Status HttpServer::Start() {
  auto& st = *state_;
  beast::error_code ec;
  auto address = asio::ip::make_address(st.options.address, ec);
  if (ec) {
    return Status::InvalidArgument("invalid HTTP listen address \"" + st.options.address +
                                   "\": " + ec.message());
  }
  tcp::endpoint endpoint(address, st.options.port);
  tcp::acceptor acceptor(st.strand);
  std::string where = st.options.address + ":" + std::to_string(st.options.port);
  if (acceptor.open(endpoint.protocol(), ec); ec) {
    return Status::IOError("cannot open HTTP socket for " + where + ": " + ec.message());
  }
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (acceptor.bind(endpoint, ec); ec) {
    return Status::IOError("cannot bind HTTP server to " + where + ": " + ec.message());
  }
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return Status::IOError("cannot listen on " + where + ": " + ec.message());
  }
  st.port = acceptor.local_endpoint(ec).port();
  st.acceptor.emplace(std::move(acceptor));
  asio::co_spawn(st.strand, AcceptLoop(state_), asio::detached);
  return Status::Ok();
}

uint16_t HttpServer::port() const { return state_->port.load(); }

size_t HttpServer::connection_count() const {
  std::lock_guard lock(state_->mu);
  return state_->connections.size();
}

Task<void> HttpServer::Stop(std::chrono::milliseconds grace) {
  auto st = state_;
  {
    std::lock_guard lock(st->mu);
    st->stopping = true;
  }
  // g++ 12 destroys a capturing lambda temporary inside a co_await expression twice (a double
  // release of `st`), so the lambda is a named local and captures a raw pointer.
  State* raw = st.get();
  auto close_acceptor = [raw]() -> Task<void> {
    beast::error_code ignored;
    if (raw->acceptor) raw->acceptor->close(ignored);
    co_return;
  };
  co_await asio::co_spawn(st->strand, close_acceptor, asio::use_awaitable);
  CloseConnections(*st, /*force=*/false);

  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor);
  auto deadline = std::chrono::steady_clock::now() + grace;
  bool forced = false;
  for (;;) {
    {
      std::lock_guard lock(st->mu);
      if (st->connections.empty()) break;
    }
    // A handler that never returns keeps its connection object alive; do not wait for it forever
    // (the connection's socket is already closed, and it holds its own reference to the state).
    if (forced && std::chrono::steady_clock::now() >= deadline + std::chrono::seconds(1)) break;
    if (!forced && std::chrono::steady_clock::now() >= deadline) {
      CloseConnections(*st, /*force=*/true);
      forced = true;
    } else if (!forced) {
      // A request that arrived after the first pass is done now: close idle connections again.
      CloseConnections(*st, /*force=*/false);
    }
    timer.expires_after(std::chrono::milliseconds(10));
    beast::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace sluice
