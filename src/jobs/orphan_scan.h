// The orphan scan: deletes segment objects the metadata store does not know. Two things leave
// them: a produce flush whose object was PUT but whose commit never happened (the agent died, or
// every commit attempt failed), and a compaction attempt that wrote its output and then lost the
// race or died before its swap. The scan lists the bucket under the segment prefix only, so
// anything else in the bucket is never touched, and skips objects younger than the safety age,
// which must be far above any PUT-to-commit time (a flush commits within seconds of its PUT; a
// compaction output that took longer than half the safety age is never committed, see
// output_guard.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/asio.h"
#include "common/status.h"
#include "metadata/metadata_store.h"
#include "storage/object_store.h"

namespace sluice::jobs {

inline constexpr char kOrphanScanKind[] = "orphan_scan";
inline constexpr char kOrphanScanJobId[] = "orphan_scan";

struct OrphanScanStats {
  int64_t objects_listed = 0;  // keys under the prefix
  int32_t orphans_deleted = 0;
  std::vector<std::string> deleted_keys;  // the first few, for the log
};

// Lists `segment_prefix` (which must end with '/') page by page and deletes every object whose
// key the store does not know and whose last modification is at or before
// now_ms - safety_age_ms. An object without a modification time is never deleted.
Task<Result<OrphanScanStats>> RunOrphanScan(metadata::MetadataStore& store,
                                            storage::ObjectStore& objects,
                                            const std::string& segment_prefix, int64_t now_ms,
                                            int64_t safety_age_ms, int page_size = 1000);

}  // namespace sluice::jobs
