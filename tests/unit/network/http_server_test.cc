#include "network/http_server.h"

#include <gtest/gtest.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <future>
#include <thread>

#include "common/asio.h"  // before Beast (Boost 1.74 + g++ 12)
#include "observability/metrics.h"

namespace sluice {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// A blocking HTTP/1.1 client on its own io_context: it talks to the server over real TCP.
class Client {
 public:
  explicit Client(uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }

  void Write(http::verb verb, const std::string& target, const std::string& body = "",
             bool keep_alive = true) {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(keep_alive);
    if (!body.empty() || verb == http::verb::post) {
      req.body() = body;
      req.prepare_payload();
    }
    http::write(socket_, req);
  }

  http::response<http::string_body> Read() {
    http::response<http::string_body> res;
    http::read(socket_, buffer_, res);
    return res;
  }

  http::response<http::string_body> Send(http::verb verb, const std::string& target,
                                         const std::string& body = "", bool keep_alive = true) {
    Write(verb, target, body, keep_alive);
    return Read();
  }

  // A response to HEAD has headers only: the parser must be told not to expect a body.
  http::response<http::empty_body> ReadHead() {
    http::response_parser<http::empty_body> parser;
    parser.skip(true);
    http::read(socket_, buffer_, parser);
    return parser.release();
  }

  void WriteRaw(const std::string& bytes) { asio::write(socket_, asio::buffer(bytes)); }

  // True when the server has closed the connection (EOF or reset) before `timeout`.
  bool ClosedByServer(std::chrono::milliseconds timeout = 3000ms) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    socket_.non_blocking(true);
    char c;
    while (std::chrono::steady_clock::now() < deadline) {
      beast::error_code ec;
      size_t n = socket_.read_some(asio::buffer(&c, 1), ec);
      if (ec == asio::error::would_block) {
        std::this_thread::sleep_for(5ms);
        continue;
      }
      if (ec) return true;  // eof or reset
      if (n > 0) return false;
    }
    return false;
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpServerOptions options = {}) {
    options.address = "127.0.0.1";
    server_ = std::make_unique<HttpServer>(io_.get_executor(), options, nullptr, &metrics_);
    server_->Route("GET", "/v1/status", [](const HttpRequest&) -> Task<HttpResponse> {
      co_return HttpResponse::Json(200, "{\"status\":\"ok\"}");
    });
    server_->Route("POST", "/echo", [](const HttpRequest& req) -> Task<HttpResponse> {
      HttpResponse r = HttpResponse::Text(200, req.body);
      r.headers.emplace_back("X-Content-Kind", std::string(req.Header("content-kind")));
      co_return r;
    });
    server_->RoutePrefix("GET", "/v1/objects/", [](const HttpRequest& req) -> Task<HttpResponse> {
      co_return HttpResponse::Text(200, req.path_suffix + "|" + req.Query("range").value_or("-") +
                                            "|" + req.Query("q").value_or("-"));
    });
    server_->RoutePrefix("GET", "/v1/objects/special/",
                         [](const HttpRequest&) -> Task<HttpResponse> {
                           co_return HttpResponse::Text(200, "longest prefix");
                         });
    server_->Route("GET", "/slow", [](const HttpRequest&) -> Task<HttpResponse> {
      asio::steady_timer timer(co_await asio::this_coro::executor, 300ms);
      co_await timer.async_wait(asio::use_awaitable);
      co_return HttpResponse::Text(200, "slow done");
    });
    server_->Route("GET", "/throws", [](const HttpRequest&) -> Task<HttpResponse> {
      throw std::runtime_error("boom");
      co_return HttpResponse::Text(200, "unreachable");
    });
    Status st = server_->Start();
    ASSERT_TRUE(st.ok()) << st.ToString();
    ASSERT_NE(server_->port(), 0);
    thread_ = std::thread([this] { io_.run(); });
  }

  void StopServer(std::chrono::milliseconds grace = 2000ms) {
    asio::co_spawn(io_, server_->Stop(grace), asio::use_future).get();
  }

  void TearDown() override {
    if (server_) StopServer();
    work_.reset();
    if (thread_.joinable()) thread_.join();
  }

  obs::MetricsRegistry metrics_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      asio::make_work_guard(io_)};
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

TEST_F(HttpServerTest, ServesJsonOnAnEphemeralPort) {
  StartServer();
  Client client(server_->port());
  auto res = client.Send(http::verb::get, "/v1/status");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_EQ(res.body(), "{\"status\":\"ok\"}");
  EXPECT_EQ(res[http::field::content_length], "15");
}

TEST_F(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  StartServer();
  Client client(server_->port());
  auto first = client.Send(http::verb::get, "/v1/status");
  EXPECT_EQ(first.result_int(), 200);
  EXPECT_TRUE(first.keep_alive());
  auto second = client.Send(http::verb::post, "/echo", "hello body");
  EXPECT_EQ(second.result_int(), 200);
  EXPECT_EQ(second.body(), "hello body");
  EXPECT_EQ(server_->connection_count(), 1u);

  auto& requests = metrics_.AddCounter("sluice_http_requests_total", "", {"method", "code"});
  EXPECT_EQ(requests.WithLabels({"GET", "200"}).Value(), 1u);
  EXPECT_EQ(requests.WithLabels({"POST", "200"}).Value(), 1u);
  std::string exposition = metrics_.RenderPrometheus();
  EXPECT_NE(exposition.find("sluice_http_request_duration_seconds_count 2\n"), std::string::npos)
      << exposition;
}

TEST_F(HttpServerTest, ClientCloseRequestEndsTheConnection) {
  StartServer();
  Client client(server_->port());
  auto res = client.Send(http::verb::get, "/v1/status", "", /*keep_alive=*/false);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(client.ClosedByServer());
}

TEST_F(HttpServerTest, UnknownPathIs404JsonAndWrongMethodIs405) {
  StartServer();
  Client client(server_->port());
  auto missing = client.Send(http::verb::get, "/nope");
  EXPECT_EQ(missing.result_int(), 404);
  EXPECT_EQ(missing[http::field::content_type], "application/json");
  EXPECT_EQ(missing.body(), "{\"error\":\"no route for /nope\"}");

  auto wrong = client.Send(http::verb::post, "/v1/status", "x");
  EXPECT_EQ(wrong.result_int(), 405);
  EXPECT_EQ(wrong[http::field::allow], "GET, HEAD");
  EXPECT_EQ(wrong[http::field::content_type], "application/json");

  // Errors do not break keep-alive.
  EXPECT_EQ(client.Send(http::verb::get, "/v1/status").result_int(), 200);
}

TEST_F(HttpServerTest, PrefixRoutesDecodePathAndQuery) {
  StartServer();
  Client client(server_->port());
  auto res = client.Send(http::verb::get, "/v1/objects/abc%20d/e?range=0-99&q=a+b%26c&range=1");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "abc d/e|0-99|a b&c");
  EXPECT_EQ(client.Send(http::verb::get, "/v1/objects/special/x").body(), "longest prefix");
  EXPECT_EQ(client.Send(http::verb::get, "/v1/objects").result_int(), 404);
  EXPECT_EQ(client.Send(http::verb::get, "/v1/objects/%zz").result_int(), 400);
}

TEST_F(HttpServerTest, HeadersAreCaseInsensitiveAndHandlerErrorsAre500) {
  StartServer();
  Client client(server_->port());
  http::request<http::string_body> req{http::verb::post, "/echo", 11};
  req.set("Content-Kind", "segment");
  req.body() = "x";
  req.prepare_payload();
  client.WriteRaw([&] {
    std::ostringstream os;
    os << req;
    return os.str();
  }());
  auto res = client.Read();
  EXPECT_EQ(res["X-Content-Kind"], "segment");
  auto err = client.Send(http::verb::get, "/throws");
  EXPECT_EQ(err.result_int(), 500);
  EXPECT_EQ(err.body(), "{\"error\":\"internal error\"}");
}

TEST_F(HttpServerTest, HeadAnswersGetRoutesWithHeadersOnly) {
  StartServer();
  Client client(server_->port());
  client.Write(http::verb::head, "/v1/status");
  auto head = client.ReadHead();
  EXPECT_EQ(head.result_int(), 200);
  EXPECT_EQ(head[http::field::content_length], "15");
  // The connection is still in sync: the next response is read correctly.
  EXPECT_EQ(client.Send(http::verb::get, "/v1/status").body(), "{\"status\":\"ok\"}");
}

TEST_F(HttpServerTest, OversizedHeaderIs431) {
  HttpServerOptions options;
  options.max_header_bytes = 1024;
  StartServer(options);
  Client client(server_->port());
  client.WriteRaw("GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'h') +
                  "\r\n\r\n");
  auto res = client.Read();
  EXPECT_EQ(res.result_int(), 431);
  EXPECT_TRUE(client.ClosedByServer());
}

TEST_F(HttpServerTest, BodyOverTheLimitIs413) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);
  {
    Client client(server_->port());
    auto ok = client.Send(http::verb::post, "/echo", std::string(1024, 'a'));
    EXPECT_EQ(ok.result_int(), 200);
    EXPECT_EQ(ok.body().size(), 1024u);
  }
  Client client(server_->port());
  auto res = client.Send(http::verb::post, "/echo", std::string(64 * 1024, 'b'));
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(client.ClosedByServer());
}

TEST_F(HttpServerTest, MalformedRequestIs400) {
  StartServer();
  Client client(server_->port());
  client.WriteRaw("GARBAGE\r\n\r\n");
  auto res = client.Read();
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_TRUE(client.ClosedByServer());
}

TEST_F(HttpServerTest, IdleConnectionIsClosedAfterTheReadTimeout) {
  HttpServerOptions options;
  options.read_timeout = 200ms;
  StartServer(options);
  Client client(server_->port());
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.ClosedByServer(3000ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
}

TEST_F(HttpServerTest, StopClosesIdleConnectionsAndRefusesNewOnes) {
  StartServer();
  uint16_t port = server_->port();
  Client idle(port);
  EXPECT_EQ(idle.Send(http::verb::get, "/v1/status").result_int(), 200);
  StopServer();
  EXPECT_TRUE(idle.ClosedByServer(1000ms));
  EXPECT_EQ(server_->connection_count(), 0u);
  asio::io_context io;
  tcp::socket s(io);
  beast::error_code ec;
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  EXPECT_TRUE(ec) << "the listener must be closed";
}

TEST_F(HttpServerTest, StopLetsARequestInProgressFinish) {
  StartServer();
  Client client(server_->port());
  client.Write(http::verb::get, "/slow");
  std::this_thread::sleep_for(50ms);  // the handler is now waiting on its timer
  auto stopped = std::async(std::launch::async, [this] { StopServer(2000ms); });
  auto res = client.Read();
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "slow done");
  EXPECT_FALSE(res.keep_alive()) << "a stopping server closes after the response";
  stopped.get();
  EXPECT_TRUE(client.ClosedByServer(1000ms));
  EXPECT_EQ(server_->connection_count(), 0u);
}

TEST_F(HttpServerTest, BindFailureIsAnError) {
  StartServer();
  HttpServerOptions options;
  options.address = "127.0.0.1";
  options.port = server_->port();
  HttpServer second(io_.get_executor(), options);
  Status st = second.Start();
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_NE(st.message().find(std::to_string(options.port)), std::string::npos);

  HttpServer bad(io_.get_executor(), HttpServerOptions{.address = "not an ip"});
  EXPECT_EQ(bad.Start().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sluice
