// Thin POSIX helpers for the file back end: errno turned into Status, full reads/writes, fsync.
#pragma once

#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "common/status.h"

namespace sluice::storage {

// Closes the descriptor on scope exit.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }
  // Closes now and reports the error close() gives (it can carry a delayed write error).
  Status Close();

 private:
  int fd_;
};

Status ErrnoStatus(const std::string& what, int err);
Status WriteAll(int fd, ByteView data, const std::string& path);
Status ReadAllAt(int fd, uint8_t* out, uint64_t length, uint64_t offset, const std::string& path);
// fsync of a directory, so a rename or create inside it survives a crash.
Status SyncDirectory(const std::string& dir);
// Creates every missing directory of `relative` under `root` (which must exist), syncing the
// parent of each one it creates.
Status MakeDirectories(const std::string& root, const std::string& relative);

}  // namespace sluice::storage
