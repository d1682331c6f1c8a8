// The file:// back end: each key is a file under a root directory ('/' in keys makes
// subdirectories). Puts are atomic and durable (temp file + fsync + rename + directory fsync);
// all blocking file I/O runs on the executor given at construction.
#pragma once

#include <filesystem>
#include <string>

#include "storage/object_store.h"

namespace sluice::storage {

class FileObjectStore final : public ObjectStore {
 public:
  // Creates `root` (and its parents) if missing; IOError when that fails or it is not a directory.
  static Result<std::unique_ptr<ObjectStore>> Open(std::filesystem::path root,
                                                   asio::any_io_executor blocking_executor);

  Task<Status> Put(std::string key, Bytes data) override;
  Task<Result<Bytes>> Get(std::string key, uint64_t offset, uint64_t length) override;
  Task<Result<ListPage>> List(std::string prefix, std::string continuation_token,
                              int max_keys) override;
  Task<Status> Delete(std::vector<std::string> keys) override;
  std::string Describe() const override { return "file://" + root_.string(); }

 private:
  FileObjectStore(std::filesystem::path root, asio::any_io_executor executor)
      : root_(std::move(root)), executor_(std::move(executor)) {}

  Status PutNow(const std::string& key, const Bytes& data) const;
  Result<Bytes> GetNow(const std::string& key, uint64_t offset, uint64_t length) const;
  Result<ListPage> ListNow(const std::string& prefix, const std::string& token, int max_keys) const;
  Status DeleteNow(const std::vector<std::string>& keys) const;

  const std::filesystem::path root_;
  const asio::any_io_executor executor_;
};

}  // namespace sluice::storage
