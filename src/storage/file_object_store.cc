#include "storage/file_object_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <random>
#include <set>
#include <system_error>

#include "common/blocking.h"
#include "storage/object_key.h"
#include "storage/object_store_checks.h"
#include "storage/posix_file.h"

namespace sluice::storage {

namespace fs = std::filesystem;

namespace {

std::string RandomSuffix() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  uint64_t v = rng();
  for (char& c : out) {
    c = kHex[v & 0xf];
    v >>= 4;
  }
  return out;
}

std::string DirectoryPart(const std::string& key) {
  size_t slash = key.rfind('/');
  return slash == std::string::npos ? std::string() : key.substr(0, slash);
}

int64_t MtimeMs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

}  // namespace

Result<std::unique_ptr<ObjectStore>> FileObjectStore::Open(fs::path root,
                                                           asio::any_io_executor executor) {
  if (root.empty()) return Status::InvalidArgument("file:// store needs a directory");
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return Status::IOError("create bucket directory " + root.string() + ": " + ec.message());
  if (!fs::is_directory(root, ec)) {
    return Status::IOError("bucket path " + root.string() + " is not a directory");
  }
  // Keep the path as given (relative stays relative) but without a trailing '/'.
  std::string cleaned = root.lexically_normal().string();
  while (cleaned.size() > 1 && cleaned.back() == '/') cleaned.pop_back();
  return std::unique_ptr<ObjectStore>(new FileObjectStore(fs::path(cleaned), std::move(executor)));
}

// Every lambda handed to RunBlocking is a named local (see common/blocking.h for the g++ 12 bug).
Task<Status> FileObjectStore::Put(std::string key, Bytes data) {
  auto put = [this, key = std::move(key), data = std::move(data)] { return PutNow(key, data); };
  co_return co_await RunBlocking(executor_, std::move(put));
}

Task<Result<Bytes>> FileObjectStore::Get(std::string key, uint64_t offset, uint64_t length) {
  auto get = [this, key = std::move(key), offset, length] { return GetNow(key, offset, length); };
  co_return co_await RunBlocking(executor_, std::move(get));
}

Task<Result<ListPage>> FileObjectStore::List(std::string prefix, std::string continuation_token,
                                             int max_keys) {
  auto list = [this, prefix = std::move(prefix), token = std::move(continuation_token), max_keys] {
    return ListNow(prefix, token, max_keys);
  };
  co_return co_await RunBlocking(executor_, std::move(list));
}

Task<Status> FileObjectStore::Delete(std::vector<std::string> keys) {
  auto remove = [this, keys = std::move(keys)] { return DeleteNow(keys); };
  co_return co_await RunBlocking(executor_, std::move(remove));
}

Status FileObjectStore::PutNow(const std::string& key, const Bytes& data) const {
  SLUICE_RETURN_IF_ERROR(ValidateObjectKey(key));
  const std::string root = root_.string();
  const std::string relative_dir = DirectoryPart(key);
  SLUICE_RETURN_IF_ERROR(MakeDirectories(root, relative_dir));
  const std::string dir = relative_dir.empty() ? root : root + "/" + relative_dir;
  const std::string final_path = root + "/" + key;
  const std::string temp_path = dir + "/" + std::string(kTempFilePrefix) + RandomSuffix();

  UniqueFd fd(::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (fd.get() < 0) return ErrnoStatus("create " + temp_path, errno);
  Status st = WriteAll(fd.get(), data, temp_path);
  if (st.ok() && ::fsync(fd.get()) != 0) st = ErrnoStatus("fsync " + temp_path, errno);
  if (st.ok()) st = fd.Close();
  if (st.ok() && ::rename(temp_path.c_str(), final_path.c_str()) != 0) {
    st = errno == EISDIR || errno == ENOTEMPTY || errno == EEXIST
             ? Status::InvalidArgument("key '" + key + "' is a prefix of other keys")
             : ErrnoStatus("rename to " + final_path, errno);
  }
  if (!st.ok()) {
    ::unlink(temp_path.c_str());
    return st;
  }
  return SyncDirectory(dir);
}

Result<Bytes> FileObjectStore::GetNow(const std::string& key, uint64_t offset,
                                      uint64_t length) const {
  SLUICE_RETURN_IF_ERROR(ValidateObjectKey(key));
  const std::string path = root_.string() + "/" + key;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return Status::NotFound("no object '" + key + "' in " + Describe());
    }
    return ErrnoStatus("open " + path, errno);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus("stat " + path, errno);
  if (!S_ISREG(st.st_mode)) return Status::NotFound("no object '" + key + "' in " + Describe());
  SLUICE_ASSIGN_OR_RETURN(
      uint64_t n, ResolveReadLength(key, static_cast<uint64_t>(st.st_size), offset, length));
  Bytes out(n);
  SLUICE_RETURN_IF_ERROR(ReadAllAt(fd.get(), out.data(), n, offset, path));
  return out;
}

Result<ListPage> FileObjectStore::ListNow(const std::string& prefix, const std::string& token,
                                          int max_keys) const {
  SLUICE_RETURN_IF_ERROR(ValidateMaxKeys(max_keys));
  // Only the directory named by the prefix's complete segments can hold matching keys.
  const std::string start_dir = DirectoryPart(prefix);
  if (!start_dir.empty() && !ValidateObjectKey(start_dir).ok()) return ListPage{};
  const fs::path walk_root = start_dir.empty() ? root_ : root_ / start_dir;

  std::vector<std::string> keys;
  std::error_code ec;
  fs::recursive_directory_iterator it(walk_root, ec), end;
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory) {
      return ListPage{};
    }
    return Status::IOError("list " + walk_root.string() + ": " + ec.message());
  }
  for (; it != end; it.increment(ec)) {
    if (ec) return Status::IOError("list " + walk_root.string() + ": " + ec.message());
    if (it->path().filename().string().starts_with(kTempFilePrefix)) continue;
    if (!it->is_regular_file(ec)) continue;
    std::string key = it->path().lexically_relative(root_).generic_string();
    if (key.starts_with(prefix) && key > token) keys.push_back(std::move(key));
  }
  std::sort(keys.begin(), keys.end());

  ListPage page;
  for (auto& key : keys) {
    if (static_cast<int>(page.objects.size()) == max_keys) {
      page.next_token = page.objects.back().key;
      break;
    }
    const std::string path = root_.string() + "/" + key;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) continue;  // deleted while listing
      return ErrnoStatus("stat " + path, errno);
    }
    page.objects.push_back({std::move(key), static_cast<uint64_t>(st.st_size), MtimeMs(st)});
  }
  return page;
}

Status FileObjectStore::DeleteNow(const std::vector<std::string>& keys) const {
  for (const auto& key : keys) SLUICE_RETURN_IF_ERROR(ValidateObjectKey(key));
  std::set<std::string> touched_dirs;
  for (const auto& key : keys) {
    const std::string path = root_.string() + "/" + key;
    if (::unlink(path.c_str()) == 0) {
      const std::string dir = DirectoryPart(key);
      touched_dirs.insert(dir.empty() ? root_.string() : root_.string() + "/" + dir);
    } else if (errno != ENOENT && errno != ENOTDIR) {
      if (errno == EISDIR) continue;  // a key prefix, not an object: nothing to delete
      return ErrnoStatus("delete " + path, errno);
    }
  }
  // Directories are left in place: removing them would race with concurrent Puts below them.
  for (const auto& dir : touched_dirs) SLUICE_RETURN_IF_ERROR(SyncDirectory(dir));
  return Status::Ok();
}

}  // namespace sluice::storage
