// Record batches as a client sees them: decoding what a Fetch returned (which may end with a
// batch cut short by max_bytes) and the consumer protocol's member assignment.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "record/record_batch.h"

namespace sluice::client {

// Every data record at or after `min_offset` in a Fetch response's records field, in order.
// A truncated last batch is ignored (the next fetch starts inside it); control batches are
// skipped. `*next_offset` becomes the offset after the last complete batch (unchanged if none).
Result<std::vector<Record>> DecodeFetchedRecords(ByteView records, int64_t min_offset,
                                                 int64_t* next_offset);

struct TopicPartitions {
  std::string topic;
  std::vector<int32_t> partitions;
  bool operator==(const TopicPartitions&) const = default;
};

// The consumer protocol's Assignment (version, [topic, [partition]], user data); an empty input
// is an empty assignment (a member between rebalances).
Result<std::vector<TopicPartitions>> DecodeConsumerAssignment(ByteView assignment);

}  // namespace sluice::client
