// sluice_loopback_probe: baseline for scripts/bench.sh. Sends N MiB over a loopback TCP connection
// between two threads of this process and prints {"loopback_mb_per_s": ...}. It bounds what any
// Kafka-over-loopback number on the same machine can reach.
//
//   sluice_loopback_probe [MiB, default 1024]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace {

constexpr size_t kChunk = 64 * 1024;

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "%s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  long mib = argc > 1 ? std::atol(argv[1]) : 1024;
  if (mib <= 0 || mib > 1 << 20) {
    std::fprintf(stderr, "usage: sluice_loopback_probe [MiB > 0]\n");
    return 2;
  }
  const size_t total = static_cast<size_t>(mib) << 20;

  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0) Die("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;  // any free port
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) Die("bind");
  if (::listen(listener, 1) != 0) Die("listen");
  socklen_t len = sizeof addr;
  if (::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) Die("getsockname");

  size_t received = 0;
  std::thread reader([&] {
    int fd = ::accept(listener, nullptr, nullptr);
    if (fd < 0) Die("accept");
    std::vector<char> buf(kChunk);
    for (;;) {
      ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) Die("read");
      if (n == 0) break;
      received += static_cast<size_t>(n);
    }
    ::close(fd);
  });

  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) Die("socket");
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) Die("connect");
  std::vector<char> buf(kChunk, 'x');
  auto start = std::chrono::steady_clock::now();
  size_t sent = 0;
  while (sent < total) {
    ssize_t n = ::write(fd, buf.data(), std::min(buf.size(), total - sent));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) Die("write");
    sent += static_cast<size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  reader.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ::close(fd);
  ::close(listener);
  if (received != total) {
    std::fprintf(stderr, "received %zu of %zu bytes\n", received, total);
    return 1;
  }
  std::printf("{\"loopback_bytes\":%zu,\"seconds\":%.3f,\"loopback_mb_per_s\":%.1f}\n", total,
              seconds, static_cast<double>(total) / 1e6 / seconds);
  return 0;
}
