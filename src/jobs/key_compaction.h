// Key compaction of compacted topics (cleanup.policy=compact or compact,delete) inside one
// compaction job. For each partition, a record is dropped when a later offset among the job's
// inputs has the same key; a tombstone (null value) is dropped once its batch's maxTimestamp is
// older than now - delete.retention.ms AND every older live batch of the partition is in the
// same job (so no older value it shadows can survive elsewhere). Keyless records are kept.
// A batch that keeps every record is copied byte for byte; one that keeps some is re-encoded
// with its own codec (record/batch_rewrite.h: offsets and timestamps unchanged); one that keeps
// none disappears, except control batches and the batch ending at the high watermark, which are
// copied whole (consumers step over the last offsets thanks to it, as Kafka keeps it). A batch
// whose records do not decode is copied whole too: its keys shadow nothing, and since it may
// hold an older value of any key, no tombstone after it is dropped.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/asio.h"
#include "common/bytes.h"
#include "common/status.h"
#include "metadata/metadata_store.h"
#include "record/record_batch.h"

namespace sluice::jobs {

inline constexpr int64_t kDefaultDeleteRetentionMs = 86400000;  // Kafka's default, one day

// nullopt when the topic is not compacted; else its delete.retention.ms.
Result<std::optional<int64_t>> TopicDeleteRetention(const metadata::ConfigMap& configs);

// One input batch of the partition, with its offsets from the index (the stored baseOffset is
// relative, as produced).
struct PartitionBatch {
  int64_t base_offset = 0;
  int32_t offset_count = 0;
  BatchView batch;
};

struct KeyCompactionContext {
  int64_t now_ms = 0;
  int64_t delete_retention_ms = kDefaultDeleteRetentionMs;
  int64_t high_watermark = 0;
  // Every live batch of the partition below this offset is among the job's inputs.
  int64_t inputs_cover_below = 0;
};

struct BatchVerdict {
  enum class Action { kCopy, kRewrite, kDrop };
  Action action = Action::kCopy;
  Bytes rewritten;           // kRewrite: the new batch
  int32_t record_count = 0;  // records kept
  int32_t records_dropped = 0;
};

// Verdicts for `batches` (one partition, offset order), one per batch.
Result<std::vector<BatchVerdict>> CompactPartitionKeys(const std::vector<PartitionBatch>& batches,
                                                       const KeyCompactionContext& context);

// The first offset from the partition's log start whose batch is not in an object of
// `input_keys` (the high watermark when every live batch is).
Task<Result<int64_t>> InputsCoverBelow(metadata::MetadataStore& store, const std::string& topic,
                                       const metadata::PartitionInfo& partition,
                                       const std::set<std::string>& input_keys);

}  // namespace sluice::jobs
