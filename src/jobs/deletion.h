// Deletion: objects dead for longer than the grace period leave the bucket, then the store forgets
// them. Deleting first is what makes it safe to repeat: a crash in between leaves a row whose
// bytes are gone, and the next pass deletes (a missing key is not an error) and forgets it.
#pragma once

#include <cstdint>

#include "common/asio.h"
#include "common/status.h"
#include "metadata/metadata_store.h"
#include "storage/object_store.h"

namespace sluice::jobs {

struct DeletionStats {
  int32_t objects_deleted = 0;
};

// Deletes up to `max_objects` objects dead since before now_ms - grace_ms.
Task<Result<DeletionStats>> RunDeletion(metadata::MetadataStore& store,
                                        storage::ObjectStore& objects, int64_t now_ms,
                                        int64_t grace_ms, int32_t max_objects = 1000);

}  // namespace sluice::jobs
