#include "client/connection.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace sluice::client {

namespace {

using Clock = std::chrono::steady_clock;

int MillisLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(std::min<int64_t>(left.count(), 1 << 30));
}

// Waits for `events` on fd; Timeout when the deadline passes first.
Status WaitFor(int fd, short events, Clock::time_point deadline, const std::string& what) {
  while (true) {
    pollfd p{fd, events, 0};
    int rc = ::poll(&p, 1, MillisLeft(deadline));
    if (rc > 0) return Status::Ok();
    if (rc == 0) return Status::Timeout(what + ": timed out");
    if (errno != EINTR) return Status::IOError(what + ": " + std::strerror(errno));
  }
}

}  // namespace

Result<Endpoint> ParseEndpoint(std::string_view text) {
  auto bad = [&] {
    return Status::InvalidArgument("not a host:port address: \"" + std::string(text) + "\"");
  };
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad();
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad();
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (host.empty() || port.empty() || ec != std::errc() || ptr != port.data() + port.size() ||
      value == 0 || value > 65535) {
    return bad();
  }
  return Endpoint{std::string(host), static_cast<uint16_t>(value)};
}

Result<std::vector<Endpoint>> ParseBootstrap(std::string_view text) {
  std::vector<Endpoint> out;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) {
      SLUICE_ASSIGN_OR_RETURN(Endpoint e, ParseEndpoint(item));
      out.push_back(std::move(e));
    }
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  if (out.empty()) return Status::InvalidArgument("no bootstrap address given (host:port,...)");
  return out;
}

Result<Connection> Connection::Open(const Endpoint& endpoint, std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  const std::string what = "connect to " + endpoint.ToString();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::string port = std::to_string(endpoint.port);
  int gai = ::getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &found);
  if (gai != 0) return Status::Unavailable(what + ": " + ::gai_strerror(gai));
  Status last = Status::Unavailable(what + ": no address");
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    int fd =
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last = Status::Unavailable(what + ": " + std::strerror(errno));
      continue;
    }
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      Status waited = WaitFor(fd, POLLOUT, deadline, what);
      if (waited.ok()) {
        int err = 0;
        socklen_t len = sizeof(err);
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err == 0) {
          rc = 0;
        } else {
          errno = err;
        }
      } else {
        ::close(fd);
        last = Status::Unavailable(waited.message());
        continue;
      }
    }
    if (rc != 0) {
      last = Status::Unavailable(what + ": " + std::strerror(errno));
      ::close(fd);
      continue;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    ::freeaddrinfo(found);
    return Connection(fd, endpoint);
  }
  ::freeaddrinfo(found);
  return last;
}

Connection::Connection(Connection&& other) noexcept
    : fd_(other.fd_), endpoint_(std::move(other.endpoint_)) {
  other.fd_ = -1;
}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = other.fd_;
    endpoint_ = std::move(other.endpoint_);
    other.fd_ = -1;
  }
  return *this;
}

Connection::~Connection() { Close(); }

void Connection::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status Connection::SendAll(ByteView data, Clock::time_point deadline) {
  const std::string what = "send to " + endpoint_.ToString();
  if (fd_ < 0) return Status::Unavailable(what + ": connection closed");
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      SLUICE_RETURN_IF_ERROR(WaitFor(fd_, POLLOUT, deadline, what));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    Close();
    return Status::Unavailable(what + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

Status Connection::ReadExactly(uint8_t* out, size_t n, Clock::time_point deadline) {
  const std::string what = "read from " + endpoint_.ToString();
  if (fd_ < 0) return Status::Unavailable(what + ": connection closed");
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::recv(fd_, out + got, n - got, 0);
    if (r > 0) {
      got += static_cast<size_t>(r);
      continue;
    }
    if (r == 0) {
      Close();
      return Status::Unavailable(what + ": the broker closed the connection");
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      SLUICE_RETURN_IF_ERROR(WaitFor(fd_, POLLIN, deadline, what));
      continue;
    }
    if (errno == EINTR) continue;
    Close();
    return Status::Unavailable(what + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

Result<Bytes> Connection::ReadFrame(Clock::time_point deadline, size_t max_frame_bytes) {
  uint8_t size_bytes[4];
  SLUICE_RETURN_IF_ERROR(ReadExactly(size_bytes, 4, deadline));
  int32_t size =
      static_cast<int32_t>((uint32_t{size_bytes[0]} << 24) | (uint32_t{size_bytes[1]} << 16) |
                           (uint32_t{size_bytes[2]} << 8) | uint32_t{size_bytes[3]});
  if (size < 4 || static_cast<size_t>(size) > max_frame_bytes) {
    Close();
    return Status::Corruption("response frame from " + endpoint_.ToString() +
                              " has an impossible size " + std::to_string(size));
  }
  Bytes body(static_cast<size_t>(size));
  SLUICE_RETURN_IF_ERROR(ReadExactly(body.data(), body.size(), deadline));
  return body;
}

}  // namespace sluice::client
