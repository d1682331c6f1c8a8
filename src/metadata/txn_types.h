// Values the transaction calls of MetadataStore take and return (KIP-98; the design is
// docs/design-transactions.md). Coordinator decisions come back as Kafka error codes (values,
// like ChunkOutcome::error_code); a Status error means the store itself failed.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sluice::metadata {

// A transaction marker as the index keeps it (no bytes in any object: Fetch builds the 78-byte
// control batch from these fields, record/control_batch.h).
struct TxnMarker {
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  bool committed = false;  // COMMIT (true) or ABORT (false)
  int32_t coordinator_epoch = 0;
  int64_t timestamp_ms = 0;
};

// A marker a call wrote, with the partition's offsets right after it (for the topic cache and
// the commit notices that wake long polls).
struct WrittenMarker {
  std::string topic;
  int32_t partition = 0;
  int64_t marker_offset = 0;
  int64_t high_watermark = 0;
  int64_t last_stable_offset = 0;
  int64_t log_start_offset = 0;
};

// The producer a coordinator call speaks for.
struct TxnProducer {
  std::string transactional_id;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
};

struct InitTxnProducerRequest {
  std::string transactional_id;
  int32_t transaction_timeout_ms = 0;  // validated by the caller (0 < t <= the agent's max)
  // InitProducerId v3+ (KIP-360): the id and epoch the producer holds, or -1/-1.
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
};

struct InitTxnProducerResult {
  int16_t error_code = 0;  // 0, PRODUCER_FENCED (90), INVALID_PRODUCER_EPOCH (47), ...
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  std::vector<WrittenMarker> markers;  // ABORT markers of an open transaction this call ended
};

struct EndTxnResult {
  int16_t error_code = 0;  // 0, INVALID_TXN_STATE (48), PRODUCER_FENCED (90), ...
  std::vector<WrittenMarker> markers;  // empty for a retry of a finished EndTxn
};

// A transaction aborted because its timeout passed (the producer is fenced by an epoch bump).
struct ExpiredTxnAbort {
  std::string transactional_id;
  std::vector<WrittenMarker> markers;
};

// An aborted transaction of one partition, as Fetch's aborted_transactions lists it.
struct AbortedTxn {
  int64_t producer_id = -1;
  int64_t first_offset = -1;
};

// Kafka's state names, as DescribeTransactions/ListTransactions show them.
struct TxnDescription {
  std::string transactional_id;
  int16_t error_code = 0;  // TRANSACTIONAL_ID_NOT_FOUND (105) when unknown
  std::string state;       // Empty | Ongoing | CompleteCommit | CompleteAbort
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t timeout_ms = 0;
  int64_t start_time_ms = -1;  // -1 unless Ongoing
  std::vector<std::pair<std::string, int32_t>> partitions;  // (topic, partition), sorted
};

struct TxnListing {
  std::string transactional_id;
  int64_t producer_id = -1;
  std::string state;
};

}  // namespace sluice::metadata
