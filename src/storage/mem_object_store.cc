#include "storage/mem_object_store.h"

#include <chrono>

#include "storage/object_key.h"
#include "storage/object_store_checks.h"

namespace sluice::storage {

namespace {
int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

Task<Status> MemObjectStore::Put(std::string key, Bytes data) {
  co_return PutNow(key, std::move(data));
}

Task<Result<Bytes>> MemObjectStore::Get(std::string key, uint64_t offset, uint64_t length) {
  co_return GetNow(key, offset, length);
}

Task<Result<ListPage>> MemObjectStore::List(std::string prefix, std::string continuation_token,
                                            int max_keys) {
  co_return ListNow(prefix, continuation_token, max_keys);
}

Task<Status> MemObjectStore::Delete(std::vector<std::string> keys) { co_return DeleteNow(keys); }

Status MemObjectStore::PutNow(const std::string& key, Bytes data) {
  SLUICE_RETURN_IF_ERROR(ValidateObjectKey(key));
  // Build the object outside the lock; readers holding the old shared_ptr keep a whole old copy.
  Object object{std::make_shared<const Bytes>(std::move(data)), NowMs()};
  std::lock_guard lock(mu_);
  objects_[key] = std::move(object);
  return Status::Ok();
}

Result<Bytes> MemObjectStore::GetNow(const std::string& key, uint64_t offset,
                                     uint64_t length) const {
  SLUICE_RETURN_IF_ERROR(ValidateObjectKey(key));
  std::shared_ptr<const Bytes> data;
  {
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return Status::NotFound("no object '" + key + "' in " + Describe());
    data = it->second.data;
  }
  SLUICE_ASSIGN_OR_RETURN(uint64_t n, ResolveReadLength(key, data->size(), offset, length));
  return Bytes(data->begin() + offset, data->begin() + offset + n);
}

Result<ListPage> MemObjectStore::ListNow(const std::string& prefix, const std::string& token,
                                         int max_keys) const {
  SLUICE_RETURN_IF_ERROR(ValidateMaxKeys(max_keys));
  ListPage page;
  std::lock_guard lock(mu_);
  auto it = token < prefix ? objects_.lower_bound(prefix) : objects_.upper_bound(token);
  for (; it != objects_.end() && it->first.starts_with(prefix); ++it) {
    if (static_cast<int>(page.objects.size()) == max_keys) {
      page.next_token = page.objects.back().key;
      break;
    }
    page.objects.push_back({it->first, it->second.data->size(), it->second.last_modified_ms});
  }
  return page;
}

Status MemObjectStore::DeleteNow(const std::vector<std::string>& keys) {
  for (const auto& key : keys) SLUICE_RETURN_IF_ERROR(ValidateObjectKey(key));
  std::lock_guard lock(mu_);
  for (const auto& key : keys) objects_.erase(key);
  return Status::Ok();
}

}  // namespace sluice::storage
