// The Kafka TCP server: framing, in-order responses under out-of-order completion, frame limits,
// and that a bad connection never disturbs another.
#include "network/kafka_server.h"

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <thread>

#include "common/asio.h"

namespace sluice::network {
namespace {

using tcp = asio::ip::tcp;

// Echoes each frame back after a delay named by its first byte (in ms), so later requests can
// finish first; a frame starting with 0xFF gets no response; 0xEE is refused (closes); a second
// byte 0xAA pauses the connection's reads for kPause. Admission times are recorded.
class EchoHandler : public KafkaRequestHandler {
 public:
  static constexpr std::chrono::milliseconds kPause{300};
  explicit EchoHandler(asio::any_io_executor ex) : ex_(ex) {}
  Task<Result<ResponseTask>> Admit(const ConnectionInfo& connection, Bytes frame) override {
    {
      std::lock_guard lock(mu_);
      admitted_at_.push_back(std::chrono::steady_clock::now());
    }
    if (frame[0] == 0xEE) co_return Status::InvalidArgument("refused");
    if (frame[1] == 0xAA) {
      connection.control->PauseReadsUntil(std::chrono::steady_clock::now() + kPause);
    }
    co_return [](asio::any_io_executor ex, Bytes frame) -> ResponseTask {
      if (frame[0] == 0xFF) co_return std::nullopt;
      asio::steady_timer timer(ex, std::chrono::milliseconds(frame[0]));
      co_await timer.async_wait(asio::use_awaitable);
      co_return frame;
    }(ex_, std::move(frame));
  }

  std::vector<std::chrono::steady_clock::time_point> admitted_at() {
    std::lock_guard lock(mu_);
    return admitted_at_;
  }

 private:
  asio::any_io_executor ex_;
  std::mutex mu_;
  std::vector<std::chrono::steady_clock::time_point> admitted_at_;
};

class KafkaServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KafkaServerOptions options;
    options.listen_address = "127.0.0.1";
    options.port = 0;
    options.max_frame_bytes = 1024;
    handler_ = std::make_unique<EchoHandler>(io_.get_executor());
    server_ = std::make_unique<KafkaServer>(io_.get_executor(), *handler_, options);
    ASSERT_TRUE(server_->Start().ok());
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    asio::post(io_, [this] { server_->Stop(); });
    io_.stop();
    thread_.join();
  }

  tcp::socket Connect() {
    tcp::socket socket(client_io_);
    socket.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
    return socket;
  }
  static void SendFrame(tcp::socket& s, const Bytes& body) {
    uint32_t n = static_cast<uint32_t>(body.size());
    uint8_t size[4] = {uint8_t(n >> 24), uint8_t(n >> 16), uint8_t(n >> 8), uint8_t(n)};
    asio::write(s, asio::buffer(size));
    asio::write(s, asio::buffer(body));
  }
  static Bytes ReadFrame(tcp::socket& s) {
    uint8_t size[4];
    asio::read(s, asio::buffer(size));
    Bytes body((size[0] << 24) | (size[1] << 16) | (size[2] << 8) | size[3]);
    asio::read(s, asio::buffer(body));
    return body;
  }
  static bool ClosedByPeer(tcp::socket& s) {
    uint8_t byte;
    boost::system::error_code ec;
    asio::read(s, asio::buffer(&byte, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

  asio::io_context io_;
  asio::io_context client_io_;
  std::unique_ptr<EchoHandler> handler_;
  std::unique_ptr<KafkaServer> server_;
  std::thread thread_;
};

Bytes Frame(uint8_t delay_ms, uint8_t tag) { return Bytes{delay_ms, tag, 0, 0, 0, 0, 0, 0}; }

TEST_F(KafkaServerTest, PipelinedResponsesComeBackInRequestOrder) {
  auto s = Connect();
  // The first request is the slowest; responses must still follow request order.
  SendFrame(s, Frame(60, 1));
  SendFrame(s, Frame(1, 2));
  SendFrame(s, Frame(30, 3));
  EXPECT_EQ(ReadFrame(s), Frame(60, 1));
  EXPECT_EQ(ReadFrame(s), Frame(1, 2));
  EXPECT_EQ(ReadFrame(s), Frame(30, 3));
}

// A throttled request (KIP-219) pauses its connection: the request pipelined behind it is not
// admitted before the pause ends, while the throttled request's answer is still written.
TEST_F(KafkaServerTest, PausedReadsHoldBackTheNextRequest) {
  auto s = Connect();
  SendFrame(s, Frame(1, 0xAA));
  SendFrame(s, Frame(1, 2));
  EXPECT_EQ(ReadFrame(s), Frame(1, 0xAA));
  EXPECT_EQ(ReadFrame(s), Frame(1, 2));
  auto times = handler_->admitted_at();
  ASSERT_EQ(times.size(), 2u);
  EXPECT_GE(times[1] - times[0], EchoHandler::kPause);
  // Another connection is not paused.
  auto other = Connect();
  SendFrame(other, Frame(1, 3));
  EXPECT_EQ(ReadFrame(other), Frame(1, 3));
}

// Graceful shutdown: after StopAccepting an open connection is still served, including a
// response in flight; a new connection is refused.
TEST_F(KafkaServerTest, StopAcceptingKeepsOpenConnectionsServed) {
  auto s = Connect();
  SendFrame(s, Frame(1, 1));
  EXPECT_EQ(ReadFrame(s), Frame(1, 1));
  SendFrame(s, Frame(80, 2));  // still being handled when accepting stops
  std::promise<void> stopped;
  asio::post(io_, [&] {
    server_->StopAccepting();
    stopped.set_value();
  });
  stopped.get_future().wait();
  EXPECT_EQ(ReadFrame(s), Frame(80, 2));
  SendFrame(s, Frame(1, 3));
  EXPECT_EQ(ReadFrame(s), Frame(1, 3));
  tcp::socket late(client_io_);
  boost::system::error_code ec;
  late.connect({asio::ip::make_address("127.0.0.1"), server_->port()}, ec);
  EXPECT_TRUE(ec) << "a connection was accepted after StopAccepting";
}

TEST_F(KafkaServerTest, RequestsWithoutResponseAreSkipped) {
  auto s = Connect();
  SendFrame(s, Frame(0xFF, 1));
  SendFrame(s, Frame(1, 2));
  EXPECT_EQ(ReadFrame(s), Frame(1, 2));
}

TEST_F(KafkaServerTest, OversizedFrameClosesOnlyThatConnection) {
  auto good = Connect();
  auto bad = Connect();
  uint8_t huge[4] = {0x7F, 0xFF, 0xFF, 0xFF};
  asio::write(bad, asio::buffer(huge));
  EXPECT_TRUE(ClosedByPeer(bad));
  SendFrame(good, Frame(1, 9));
  EXPECT_EQ(ReadFrame(good), Frame(1, 9));
}

TEST_F(KafkaServerTest, TinyAndRefusedFramesClose) {
  auto tiny = Connect();
  SendFrame(tiny, Bytes{1, 2, 3});  // shorter than any request header
  EXPECT_TRUE(ClosedByPeer(tiny));
  auto refused = Connect();
  SendFrame(refused, Frame(0xEE, 0));
  EXPECT_TRUE(ClosedByPeer(refused));
}

TEST_F(KafkaServerTest, TruncatedFrameThenCloseLeavesServerWorking) {
  {
    auto s = Connect();
    uint8_t partial[6] = {0, 0, 0, 100, 1, 2};
    asio::write(s, asio::buffer(partial));
  }  // closed mid-frame
  auto s = Connect();
  SendFrame(s, Frame(1, 7));
  EXPECT_EQ(ReadFrame(s), Frame(1, 7));
}

}  // namespace
}  // namespace sluice::network
