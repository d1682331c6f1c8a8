#include "jobs/orphan_scan.h"

#include <set>

namespace sluice::jobs {

namespace {
constexpr size_t kKeysKeptForLog = 20;
}  // namespace

Task<Result<OrphanScanStats>> RunOrphanScan(metadata::MetadataStore& store,
                                            storage::ObjectStore& objects,
                                            const std::string& segment_prefix, int64_t now_ms,
                                            int64_t safety_age_ms, int page_size) {
  // An empty or open-ended prefix would reach objects that are not ours ("segments" would match
  // "segments-old/..."): refuse rather than guess.
  if (segment_prefix.empty() || segment_prefix.back() != '/') {
    co_return Status::InvalidArgument("orphan scan: segment prefix '" + segment_prefix +
                                      "' must be non-empty and end with '/'");
  }
  if (safety_age_ms <= 0) {
    co_return Status::InvalidArgument("orphan scan: the safety age must be positive");
  }
  OrphanScanStats stats;
  const int64_t old_enough = now_ms - safety_age_ms;
  std::string token;
  do {
    auto page = co_await objects.List(segment_prefix, token, page_size);
    if (!page.ok()) co_return page.status();
    stats.objects_listed += static_cast<int64_t>(page->objects.size());
    std::vector<std::string> candidates;
    for (const auto& o : page->objects) {
      // Defensive: a back end that returned a key outside the prefix is not trusted with it.
      if (!o.key.starts_with(segment_prefix)) continue;
      if (o.last_modified_ms <= 0 || o.last_modified_ms > old_enough) continue;
      candidates.push_back(o.key);
    }
    if (!candidates.empty()) {
      auto known = co_await store.ListKnownObjectKeys(candidates);
      if (!known.ok()) co_return known.status();
      const std::set<std::string> known_set(known->begin(), known->end());
      std::vector<std::string> orphans;
      for (auto& key : candidates) {
        if (!known_set.contains(key)) orphans.push_back(std::move(key));
      }
      if (!orphans.empty()) {
        for (const auto& key : orphans) {
          if (stats.deleted_keys.size() < kKeysKeptForLog) stats.deleted_keys.push_back(key);
        }
        const auto n = static_cast<int32_t>(orphans.size());
        Status deleted = co_await objects.Delete(std::move(orphans));
        if (!deleted.ok()) co_return deleted;
        stats.orphans_deleted += n;
      }
    }
    token = page->next_token;
  } while (!token.empty());
  co_return stats;
}

}  // namespace sluice::jobs
