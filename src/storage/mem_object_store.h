// The mem:// back end: one private in-process bucket per store (no global registry), for tests and
// `sluice playground`. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "storage/object_store.h"

namespace sluice::storage {

class MemObjectStore final : public ObjectStore {
 public:
  explicit MemObjectStore(std::string name) : name_(std::move(name)) {}

  Task<Status> Put(std::string key, Bytes data) override;
  Task<Result<Bytes>> Get(std::string key, uint64_t offset, uint64_t length) override;
  Task<Result<ListPage>> List(std::string prefix, std::string continuation_token,
                              int max_keys) override;
  Task<Status> Delete(std::vector<std::string> keys) override;
  std::string Describe() const override { return "mem://" + name_; }

 private:
  struct Object {
    std::shared_ptr<const Bytes> data;
    int64_t last_modified_ms = 0;
  };

  Status PutNow(const std::string& key, Bytes data);
  Result<Bytes> GetNow(const std::string& key, uint64_t offset, uint64_t length) const;
  Result<ListPage> ListNow(const std::string& prefix, const std::string& token, int max_keys) const;
  Status DeleteNow(const std::vector<std::string>& keys);

  const std::string name_;
  mutable std::mutex mu_;
  std::map<std::string, Object> objects_;  // ordered: List walks it in key order
};

}  // namespace sluice::storage
