#include "storage/posix_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sluice::storage {

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

Status UniqueFd::Close() {
  int fd = fd_;
  fd_ = -1;
  if (fd >= 0 && ::close(fd) != 0) return ErrnoStatus("close", errno);
  return Status::Ok();
}

Status ErrnoStatus(const std::string& what, int err) {
  std::string message = what + ": " + std::strerror(err);
  if (err == ENOENT) return Status::NotFound(message);
  if (err == ENOSPC || err == EDQUOT) return Status::ResourceExhausted(message);
  return Status::IOError(message);
}

Status WriteAll(int fd, ByteView data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write " + path, errno);
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status ReadAllAt(int fd, uint8_t* out, uint64_t length, uint64_t offset, const std::string& path) {
  uint64_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd, out + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read " + path, errno);
    }
    if (n == 0) return Status::IOError("read " + path + ": file shrank while reading");
    done += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

Status SyncDirectory(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("open directory " + dir, errno);
  if (::fsync(fd.get()) != 0) return ErrnoStatus("fsync directory " + dir, errno);
  return fd.Close();
}

Status MakeDirectories(const std::string& root, const std::string& relative) {
  std::string parent = root;
  size_t start = 0;
  while (start < relative.size()) {
    size_t end = relative.find('/', start);
    if (end == std::string::npos) end = relative.size();
    std::string dir = parent + "/" + relative.substr(start, end - start);
    if (::mkdir(dir.c_str(), 0755) == 0) {
      SLUICE_RETURN_IF_ERROR(SyncDirectory(parent));
    } else if (errno == EEXIST) {
      struct stat st;
      if (::stat(dir.c_str(), &st) != 0) return ErrnoStatus("stat " + dir, errno);
      if (!S_ISDIR(st.st_mode)) {
        return Status::InvalidArgument(dir + " is an object, so it cannot also be a key prefix");
      }
    } else {
      return ErrnoStatus("mkdir " + dir, errno);
    }
    parent = dir;
    start = end + 1;
  }
  return Status::Ok();
}

}  // namespace sluice::storage
