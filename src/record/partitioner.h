// Kafka's default partitioner for keyed records, so records sent by `sluice produce -key K` and
// by the HTTP API land on the same partition as the Java client and librdkafka's murmur2_random
// would put them.
#pragma once

#include <cstdint>

#include "common/bytes.h"

namespace sluice {

// Kafka's murmur2 (seed 0x9747b28c), as org.apache.kafka.common.utils.Utils.murmur2.
int32_t Murmur2(ByteView data);
// (murmur2(key) & 0x7fffffff) % partition_count; partition_count must be > 0.
int32_t PartitionForKey(ByteView key, int32_t partition_count);

}  // namespace sluice
