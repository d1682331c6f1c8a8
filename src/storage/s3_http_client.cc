#include "storage/s3_http_client.h"

#include <strings.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

namespace sluice::storage {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;

struct HttpClient::Connection {
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;

  beast::tcp_stream& Lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
};

namespace {

Status TransportError(const HttpEndpoint& endpoint, const char* step, beast::error_code ec) {
  std::string where = endpoint.host + ":" + std::to_string(endpoint.port);
  if (ec == beast::error::timeout) {
    return Status::Timeout(std::string("HTTP ") + step + " to " + where + " timed out");
  }
  return Status::Unavailable(std::string("HTTP ") + step + " to " + where + ": " + ec.message());
}

template <typename Stream>
Task<beast::error_code> WriteAndRead(Stream& stream, beast::flat_buffer& buffer,
                                     http::request<http::vector_body<uint8_t>>& request,
                                     http::response_parser<http::vector_body<uint8_t>>& parser,
                                     const char*& step) {
  beast::error_code ec;
  step = "write";
  co_await http::async_write(stream, request, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return ec;
  step = "read";
  co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  co_return ec;
}

}  // namespace

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n.size() == name.size() && strncasecmp(n.data(), name.data(), n.size()) == 0) return v;
  }
  return "";
}

HttpClient::HttpClient(asio::any_io_executor executor, HttpEndpoint endpoint,
                       HttpClientOptions options)
    : executor_(std::move(executor)), endpoint_(std::move(endpoint)), options_(options) {
  if (endpoint_.tls) {
    tls_context_ = std::make_unique<ssl::context>(ssl::context::tls_client);
    tls_context_->set_default_verify_paths();
    tls_context_->set_verify_mode(ssl::verify_peer);
  }
}

HttpClient::~HttpClient() = default;

Task<Result<std::unique_ptr<HttpClient::Connection>>> HttpClient::Connect(
    std::chrono::steady_clock::time_point deadline) {
  auto connection = std::make_unique<Connection>();
  if (endpoint_.tls) {
    connection->secure.emplace(executor_, *tls_context_);
    if (!SSL_set_tlsext_host_name(connection->secure->native_handle(), endpoint_.host.c_str())) {
      co_return Status::Internal("TLS: cannot set SNI host name " + endpoint_.host);
    }
    connection->secure->set_verify_callback(ssl::host_name_verification(endpoint_.host));
  } else {
    connection->plain.emplace(executor_);
  }
  beast::error_code ec;
  asio::ip::tcp::resolver resolver(executor_);
  auto results = co_await resolver.async_resolve(endpoint_.host, std::to_string(endpoint_.port),
                                                 asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return TransportError(endpoint_, "resolve", ec);
  beast::tcp_stream& lowest = connection->Lowest();
  lowest.expires_at(deadline);
  co_await lowest.async_connect(results, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return TransportError(endpoint_, "connect", ec);
  lowest.socket().set_option(asio::ip::tcp::no_delay(true), ec);
  if (connection->secure) {
    co_await connection->secure->async_handshake(ssl::stream_base::client,
                                                 asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return TransportError(endpoint_, "TLS handshake", ec);
  }
  co_return std::move(connection);
}

Task<Result<HttpResponse>> HttpClient::Exchange(Connection& connection, const HttpRequest& request,
                                                std::chrono::steady_clock::time_point deadline,
                                                bool& keep_alive) {
  http::request<http::vector_body<uint8_t>> out;
  out.method_string(request.method);
  out.target(request.target);
  out.version(11);
  out.set(http::field::host, endpoint_.host);
  for (const auto& [name, value] : request.headers) out.set(name, value);
  out.body() = request.body;
  if (!request.body.empty() || request.method == "PUT" || request.method == "POST") {
    out.content_length(request.body.size());
  }
  out.keep_alive(true);

  http::response_parser<http::vector_body<uint8_t>> parser;
  parser.body_limit(options_.max_response_bytes);
  if (request.method == "HEAD") parser.skip(true);

  connection.Lowest().expires_at(deadline);
  const char* step = "write";
  beast::error_code ec =
      connection.secure
          ? co_await WriteAndRead(*connection.secure, connection.buffer, out, parser, step)
          : co_await WriteAndRead(*connection.plain, connection.buffer, out, parser, step);
  if (ec) co_return TransportError(endpoint_, step, ec);
  connection.Lowest().expires_never();

  auto message = parser.release();
  HttpResponse response;
  response.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  response.body = std::move(message.body());
  keep_alive = message.keep_alive();
  co_return response;
}

Task<Result<HttpResponse>> HttpClient::Send(const HttpRequest& request,
                                            std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  // A pooled connection may have been closed by the server while idle; such a failure is
  // retried once on a fresh connection before it counts.
  while (true) {
    std::unique_ptr<Connection> connection;
    bool reused = false;
    if (!idle_.empty()) {
      connection = std::move(idle_.back());
      idle_.pop_back();
      reused = true;
    } else {
      SLUICE_CO_ASSIGN_OR_RETURN(connection, co_await Connect(deadline));
    }
    bool keep_alive = false;
    Result<HttpResponse> response = co_await Exchange(*connection, request, deadline, keep_alive);
    if (!response.ok()) {
      if (reused && response.status().code() == StatusCode::kUnavailable) continue;
      co_return response;
    }
    if (keep_alive && idle_.size() < options_.max_idle_connections) {
      idle_.push_back(std::move(connection));
    }
    co_return response;
  }
}

}  // namespace sluice::storage
