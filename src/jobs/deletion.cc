#include "jobs/deletion.h"

namespace sluice::jobs {

Task<Result<DeletionStats>> RunDeletion(metadata::MetadataStore& store,
                                        storage::ObjectStore& objects, int64_t now_ms,
                                        int64_t grace_ms, int32_t max_objects) {
  DeletionStats stats;
  auto dead = co_await store.ListDeadObjects(now_ms - grace_ms, max_objects);
  if (!dead.ok()) co_return dead.status();
  if (dead->empty()) co_return stats;
  std::vector<std::string> keys, ids;
  for (const auto& o : *dead) {
    keys.push_back(o.object_key);
    ids.push_back(o.object_id);
  }
  Status deleted = co_await objects.Delete(std::move(keys));
  if (!deleted.ok()) co_return deleted;
  Status forgotten = co_await store.ForgetObjects(std::move(ids));
  if (!forgotten.ok()) co_return forgotten;
  stats.objects_deleted = static_cast<int32_t>(dead->size());
  co_return stats;
}

}  // namespace sluice::jobs
