// Applies a bucket URL's ?prefix=: every key is stored as "<prefix>/<key>" in the wrapped store,
// and listings strip it again, so callers never see it.
#pragma once

#include <memory>
#include <string>

#include "storage/object_store.h"

namespace sluice::storage {

class PrefixedObjectStore final : public ObjectStore {
 public:
  // `prefix` must be a valid key without leading or trailing '/'.
  PrefixedObjectStore(std::unique_ptr<ObjectStore> inner, std::string prefix)
      : inner_(std::move(inner)), prefix_(std::move(prefix) + "/") {}

  Task<Status> Put(std::string key, Bytes data) override;
  Task<Result<Bytes>> Get(std::string key, uint64_t offset, uint64_t length) override;
  Task<Result<ListPage>> List(std::string prefix, std::string continuation_token,
                              int max_keys) override;
  Task<Status> Delete(std::vector<std::string> keys) override;
  std::string Describe() const override;

 private:
  std::unique_ptr<ObjectStore> inner_;
  const std::string prefix_;  // ends with '/'
};

}  // namespace sluice::storage
