#include "network/kafka_server.h"

#include <deque>

#include "common/async_event.h"

namespace sluice::network {

namespace {
using tcp = asio::ip::tcp;
constexpr auto kRedirect = [](boost::system::error_code& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
};
}  // namespace

// One client connection: a reader coroutine admits requests in order, each admitted request's
// remaining work runs concurrently, and a writer coroutine sends the responses in request order.
class KafkaServer::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, KafkaServer& server, ConnectionInfo info)
      : socket_(std::move(socket)),
        server_(server),
        info_(std::move(info)),
        progress_(socket_.get_executor()),
        idle_timer_(socket_.get_executor()) {}

  void Start() {
    auto self = shared_from_this();
    asio::co_spawn(socket_.get_executor(), self->ReadLoop(self),
                   [self](std::exception_ptr) { self->Close(); });
    asio::co_spawn(socket_.get_executor(), self->WriteLoop(self),
                   [self](std::exception_ptr) { self->Close(); });
    asio::co_spawn(socket_.get_executor(), self->IdleWatch(self), asio::detached);
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    idle_timer_.cancel();
    progress_.Notify();
    server_.counters_.connections_open--;
  }

 private:
  struct Slot {
    bool done = false;
    size_t request_bytes = 0;
    std::optional<Bytes> response;
  };

  // `self` is a parameter so the coroutine frame owns a reference from its creation: the body
  // starts later, possibly after every other owner let go.
  Task<void> ReadLoop(std::shared_ptr<Connection> self) {
    uint8_t size_buf[4];
    while (!closed_) {
      boost::system::error_code ec;
      co_await asio::async_read(socket_, asio::buffer(size_buf), kRedirect(ec));
      if (ec) co_return Fail(false);
      uint32_t size = (uint32_t(size_buf[0]) << 24) | (uint32_t(size_buf[1]) << 16) |
                      (uint32_t(size_buf[2]) << 8) | uint32_t(size_buf[3]);
      // A request needs at least api key, version and correlation id (8 bytes).
      if (size < 8 || size > server_.options_.max_frame_bytes) co_return Fail(true);
      Bytes frame(size);
      co_await asio::async_read(socket_, asio::buffer(frame), kRedirect(ec));
      if (ec) co_return Fail(false);
      last_activity_ = std::chrono::steady_clock::now();
      server_.counters_.bytes_in += size + 4;

      auto admitted = co_await server_.handler_.Admit(info_, std::move(frame));
      if (!admitted.ok()) co_return Fail(true);
      auto slot = std::make_shared<Slot>();
      slot->request_bytes = size;
      in_flight_bytes_ += size;
      slots_.push_back(slot);
      asio::co_spawn(
          socket_.get_executor(),
          [slot, task = std::move(admitted).value()]() mutable -> Task<void> {
            slot->response = co_await std::move(task);
          },
          [self, slot](std::exception_ptr e) {
            slot->done = true;
            if (e) self->Close();  // a handler bug must not leave the client hanging
            self->progress_.Notify();
          });
      // A throttled client: read nothing more until its pause ends (the writer keeps answering).
      while (!closed_ && std::chrono::steady_clock::now() < info_.control->pause_reads_until()) {
        co_await progress_.WaitUntil(info_.control->pause_reads_until());
      }
      // Back-pressure: stop reading while too many requests are outstanding.
      while (!closed_ &&
             (slots_.size() >= server_.options_.max_in_flight_per_connection ||
              in_flight_bytes_ >= server_.options_.max_in_flight_bytes_per_connection)) {
        co_await progress_.WaitUntil(std::chrono::steady_clock::time_point::max());
      }
    }
  }

  Task<void> WriteLoop([[maybe_unused]] std::shared_ptr<Connection> self) {
    while (!closed_) {
      if (slots_.empty() || !slots_.front()->done) {
        co_await progress_.WaitUntil(std::chrono::steady_clock::time_point::max());
        continue;
      }
      auto slot = slots_.front();
      slots_.pop_front();
      in_flight_bytes_ -= slot->request_bytes;
      progress_.Notify();  // the reader may be waiting for room
      if (!slot->response) continue;
      const Bytes& body = *slot->response;
      uint32_t size = static_cast<uint32_t>(body.size());
      uint8_t size_buf[4] = {uint8_t(size >> 24), uint8_t(size >> 16), uint8_t(size >> 8),
                             uint8_t(size)};
      std::array<asio::const_buffer, 2> buffers{asio::buffer(size_buf), asio::buffer(body)};
      boost::system::error_code ec;
      co_await asio::async_write(socket_, buffers, kRedirect(ec));
      if (ec) co_return Fail(false);
      server_.counters_.bytes_out += size + 4;
      last_activity_ = std::chrono::steady_clock::now();
    }
  }

  Task<void> IdleWatch([[maybe_unused]] std::shared_ptr<Connection> self) {
    const auto timeout = server_.options_.idle_timeout;
    while (!closed_) {
      idle_timer_.expires_after(
          std::min<std::chrono::steady_clock::duration>(timeout, std::chrono::seconds(5)));
      boost::system::error_code ec;
      co_await idle_timer_.async_wait(kRedirect(ec));
      if (closed_) co_return;
      if (slots_.empty() && std::chrono::steady_clock::now() - last_activity_ > timeout) {
        Close();
      }
    }
  }

  void Fail(bool protocol_error) {
    if (protocol_error) server_.counters_.connections_closed_on_error++;
    Close();
  }

  tcp::socket socket_;
  KafkaServer& server_;
  ConnectionInfo info_;
  std::deque<std::shared_ptr<Slot>> slots_;
  size_t in_flight_bytes_ = 0;
  Signal progress_;
  asio::steady_timer idle_timer_;
  std::chrono::steady_clock::time_point last_activity_ = std::chrono::steady_clock::now();
  bool closed_ = false;

  friend class KafkaServer;
};

KafkaServer::KafkaServer(asio::any_io_executor executor, KafkaRequestHandler& handler,
                         KafkaServerOptions options)
    : executor_(executor), handler_(handler), options_(std::move(options)), acceptor_(executor) {}

KafkaServer::~KafkaServer() { Stop(); }

Status KafkaServer::Start() {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(options_.listen_address, ec);
  if (ec) return Status::InvalidArgument("bad Kafka listen address: " + options_.listen_address);
  tcp::endpoint endpoint(address, options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::IOError("cannot listen for Kafka on " + options_.listen_address + ":" +
                           std::to_string(options_.port) + ": " + ec.message());
  }
  bound_port_ = acceptor_.local_endpoint().port();
  asio::co_spawn(executor_, AcceptLoop(), asio::detached);
  return Status::Ok();
}

void KafkaServer::StopAccepting() {
  boost::system::error_code ec;
  acceptor_.close(ec);
}

void KafkaServer::Stop() {
  if (*stopped_) return;
  *stopped_ = true;
  StopAccepting();
  for (auto& weak : connections_) {
    if (auto connection = weak.lock()) connection->Close();
  }
  connections_.clear();
}

Task<void> KafkaServer::AcceptLoop() {
  auto stopped = stopped_;
  while (!*stopped) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor_.async_accept(kRedirect(ec));
    if (*stopped || !acceptor_.is_open()) co_return;  // Stop() or StopAccepting()
    if (ec) continue;
    socket.set_option(tcp::no_delay(true), ec);
    ConnectionInfo info;
    info.id = next_connection_id_++;
    info.control = std::make_shared<ConnectionControl>();
    auto remote = socket.remote_endpoint(ec);
    if (!ec) info.peer = remote.address().to_string() + ":" + std::to_string(remote.port());
    counters_.connections_accepted++;
    counters_.connections_open++;
    auto connection = std::make_shared<Connection>(std::move(socket), *this, std::move(info));
    // Forget connections that have gone away so the list does not grow without bound.
    std::erase_if(connections_, [](auto& weak) { return weak.expired(); });
    connections_.push_back(connection);
    connection->Start();
  }
}

}  // namespace sluice::network
