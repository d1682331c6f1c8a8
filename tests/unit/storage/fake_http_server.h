// A scripted HTTP/1.1 server on a loopback port for client tests: each request gets the next
// reply of the script (an answer, a connection reset, or silence), and every request is recorded.
#pragma once

#include <strings.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/asio.h"

namespace sluice::storage::testing {

class FakeHttpServer {
 public:
  struct Reply {
    enum class Kind { kAnswer, kReset, kHang };
    Kind kind = Kind::kAnswer;
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
  };
  struct Seen {
    std::string method;
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string Header(const std::string& name) const {
      for (const auto& [n, v] : headers) {
        if (n.size() == name.size() && strncasecmp(n.c_str(), name.c_str(), n.size()) == 0) {
          return v;
        }
      }
      return "";
    }
  };

  static Reply Answer(int status, std::string body = "",
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
    return Reply{Reply::Kind::kAnswer, status, std::move(body), std::move(headers)};
  }
  static Reply Reset() { return Reply{Reply::Kind::kReset, 0, "", {}}; }
  static Reply Hang() { return Reply{Reply::Kind::kHang, 0, "", {}}; }

  explicit FakeHttpServer(std::vector<Reply> script)
      : script_(script.begin(), script.end()),
        acceptor_(io_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    // Member coroutines, not lambdas: a lambda's captures die before its coroutine resumes.
    asio::co_spawn(io_, AcceptLoop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~FakeHttpServer() {
    io_.stop();
    thread_.join();
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::vector<Seen> requests() const {
    std::lock_guard lock(mu_);
    return seen_;
  }
  int connections() const {
    std::lock_guard lock(mu_);
    return connections_;
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port()); }

 private:
  Task<void> AcceptLoop() {
    while (true) {
      boost::system::error_code ec;
      asio::ip::tcp::socket socket =
          co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      {
        std::lock_guard lock(mu_);
        ++connections_;
      }
      asio::co_spawn(io_, Serve(std::move(socket)), asio::detached);
    }
  }

  Task<void> Serve(asio::ip::tcp::socket socket) {
    namespace http = boost::beast::http;
    boost::beast::flat_buffer buffer;
    while (true) {
      boost::system::error_code ec;
      http::request<http::string_body> request;
      co_await http::async_read(socket, buffer, request,
                                asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      Seen seen{
          std::string(request.method_string()), std::string(request.target()), {}, request.body()};
      for (const auto& field : request) {
        seen.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
      }
      Reply reply = Answer(500, "<Error><Code>ScriptExhausted</Code></Error>");
      {
        std::lock_guard lock(mu_);
        seen_.push_back(std::move(seen));
        if (!script_.empty()) {
          reply = std::move(script_.front());
          script_.pop_front();
        }
      }
      if (reply.kind == Reply::Kind::kReset) {
        socket.set_option(asio::socket_base::linger(true, 0), ec);
        socket.close(ec);
        co_return;
      }
      if (reply.kind == Reply::Kind::kHang) {
        hung_.push_back(std::move(socket));  // kept open, never answered
        co_return;
      }
      http::response<http::string_body> response{static_cast<http::status>(reply.status), 11};
      response.body() = reply.body;
      response.prepare_payload();
      // After prepare_payload, so a script can also fake a HEAD answer's Content-Length.
      for (const auto& [name, value] : reply.headers) response.set(name, value);
      response.keep_alive(request.keep_alive());
      co_await http::async_write(socket, response, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !request.keep_alive()) co_return;
    }
  }

  mutable std::mutex mu_;
  std::deque<Reply> script_;
  std::vector<Seen> seen_;
  int connections_ = 0;
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::vector<asio::ip::tcp::socket> hung_;
  std::thread thread_;
};

}  // namespace sluice::storage::testing
