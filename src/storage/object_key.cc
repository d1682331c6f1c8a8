#include "storage/object_key.h"

#include <string>

namespace sluice::storage {

namespace {
constexpr size_t kMaxKeyLength = 1024;
}  // namespace

Status ValidateObjectKey(std::string_view key) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("invalid object key '" + std::string(key) +
                                   "': " + std::string(why));
  };
  if (key.empty()) return bad("empty");
  if (key.size() > kMaxKeyLength) return bad("longer than 1024 bytes");
  if (key.find('\0') != std::string_view::npos) return bad("contains NUL");
  if (key.front() == '/') return bad("absolute (starts with '/')");
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view segment = key.substr(start, end - start);
    if (segment.empty()) return bad("empty path segment");
    if (segment == "." || segment == "..") return bad("'.' or '..' segment");
    if (segment.starts_with(kTempFilePrefix)) return bad("reserved temporary-file name");
    start = end + 1;
  }
  return Status::Ok();
}

}  // namespace sluice::storage
