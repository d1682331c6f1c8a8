#include "storage/prefixed_object_store.h"

#include "storage/object_key.h"

namespace sluice::storage {

Task<Status> PrefixedObjectStore::Put(std::string key, Bytes data) {
  SLUICE_CO_RETURN_IF_ERROR(ValidateObjectKey(key));
  co_return co_await inner_->Put(prefix_ + key, std::move(data));
}

Task<Result<Bytes>> PrefixedObjectStore::Get(std::string key, uint64_t offset, uint64_t length) {
  SLUICE_CO_RETURN_IF_ERROR(ValidateObjectKey(key));
  co_return co_await inner_->Get(prefix_ + key, offset, length);
}

Task<Result<ListPage>> PrefixedObjectStore::List(std::string prefix, std::string continuation_token,
                                                 int max_keys) {
  std::string inner_token = continuation_token.empty() ? "" : prefix_ + continuation_token;
  Result<ListPage> page = co_await inner_->List(prefix_ + prefix, inner_token, max_keys);
  if (!page.ok()) co_return page;
  for (auto& object : page->objects) object.key.erase(0, prefix_.size());
  if (!page->next_token.empty()) page->next_token.erase(0, prefix_.size());
  co_return page;
}

Task<Status> PrefixedObjectStore::Delete(std::vector<std::string> keys) {
  for (auto& key : keys) {
    SLUICE_CO_RETURN_IF_ERROR(ValidateObjectKey(key));
    key.insert(0, prefix_);
  }
  co_return co_await inner_->Delete(std::move(keys));
}

std::string PrefixedObjectStore::Describe() const {
  return inner_->Describe() + "?prefix=" + prefix_.substr(0, prefix_.size() - 1);
}

}  // namespace sluice::storage
