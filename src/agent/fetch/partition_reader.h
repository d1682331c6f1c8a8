// Reads a partition's record batches from an offset: chunk index from the metadata store, bytes
// through a RangeReader (the file cache or the zone cache), baseOffset stamped on the way out (it
// sits outside the batch CRC).
#pragma once

#include <cstdint>
#include <string>

#include "agent/fetch/range_reader.h"
#include "metadata/metadata_store.h"

namespace sluice::agent {

struct PartitionRead {
  Bytes records;  // whole batches, baseOffset rewritten to the committed offsets
  int64_t next_offset = 0;
  int32_t batches = 0;
};

// What the reader has returned since start, Kafka and HTTP fetches alike (for /metrics).
struct ReadStats {
  uint64_t bytes = 0;
  uint64_t batches = 0;
  uint64_t records = 0;
};

class PartitionReader {
 public:
  PartitionReader(metadata::MetadataStore& store, RangeReader& cache)
      : store_(store), cache_(cache) {}

  // Batches from `offset`, up to `max_bytes`; the first batch is returned whole even when it is
  // larger than `max_bytes` if `allow_oversized_first` (Kafka's progress guarantee).
  Task<Result<PartitionRead>> Read(const std::string& topic, int32_t partition, int64_t offset,
                                   uint64_t max_bytes, bool allow_oversized_first);

  // The batch that holds `offset`, or an empty result past the end (for ListOffsets queries).
  Task<Result<Bytes>> ReadBatchAt(const std::string& topic, int32_t partition, int64_t offset);

  const ReadStats& stats() const { return stats_; }

 private:
  metadata::MetadataStore& store_;
  RangeReader& cache_;
  ReadStats stats_;
};

// Writes base_offset into the first 8 bytes of a RecordBatch (big-endian).
void StampBatchBaseOffset(uint8_t* batch, int64_t base_offset);

}  // namespace sluice::agent
