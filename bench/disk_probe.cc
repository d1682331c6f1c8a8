// sluice_disk_probe: baseline for scripts/bench.sh. Writes files the way the file:// object store
// writes objects (write a temp file, fsync it, rename it, fsync the directory) and prints
// {"disk_mb_per_s": ..., "files_per_s": ...}. It bounds what a file:// bucket on the same disk can
// reach.
//
//   sluice_disk_probe DIR [total MiB, default 512] [file MiB, default 4]
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

void WriteAll(int fd, const char* data, size_t size, const std::string& path) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) Die("write " + path);
    data += n;
    size -= static_cast<size_t>(n);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: sluice_disk_probe DIR [total MiB] [file MiB]\n");
    return 2;
  }
  const std::string dir = argv[1];
  long total_mib = argc > 2 ? std::atol(argv[2]) : 512;
  long file_mib = argc > 3 ? std::atol(argv[3]) : 4;
  if (total_mib <= 0 || file_mib <= 0 || file_mib > total_mib) {
    std::fprintf(stderr, "sizes must be positive and file MiB <= total MiB\n");
    return 2;
  }
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) Die("mkdir " + dir);
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dir_fd < 0) Die("open " + dir);

  const size_t file_bytes = static_cast<size_t>(file_mib) << 20;
  const long files = total_mib / file_mib;
  std::vector<char> buf(1 << 20);
  for (size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<char>(i * 131 + 7);

  auto start = std::chrono::steady_clock::now();
  for (long f = 0; f < files; ++f) {
    std::string final_path = dir + "/probe-" + std::to_string(f);
    std::string temp_path = final_path + ".tmp";
    int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) Die("open " + temp_path);
    for (size_t done = 0; done < file_bytes; done += buf.size()) {
      WriteAll(fd, buf.data(), std::min(buf.size(), file_bytes - done), temp_path);
    }
    if (::fsync(fd) != 0) Die("fsync " + temp_path);
    ::close(fd);
    if (::rename(temp_path.c_str(), final_path.c_str()) != 0) Die("rename " + temp_path);
    if (::fsync(dir_fd) != 0) Die("fsync " + dir);
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (long f = 0; f < files; ++f) ::unlink((dir + "/probe-" + std::to_string(f)).c_str());
  ::close(dir_fd);
  double bytes = static_cast<double>(files) * static_cast<double>(file_bytes);
  std::printf(
      "{\"disk_bytes\":%.0f,\"file_bytes\":%zu,\"seconds\":%.3f,\"disk_mb_per_s\":%.1f,"
      "\"files_per_s\":%.1f}\n",
      bytes, file_bytes, seconds, bytes / 1e6 / seconds, static_cast<double>(files) / seconds);
  return 0;
}
