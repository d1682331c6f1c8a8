// Kafka's idempotent-producer rules for one (producer id, partition), as a pure function so every
// metadata back end applies them identically.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace sluice::metadata {

inline constexpr int16_t kErrorOutOfOrderSequence = 45;
inline constexpr int16_t kErrorInvalidProducerEpoch = 47;
// How many recent batches per producer and partition are remembered for duplicate detection.
inline constexpr int kRememberedBatches = 5;

struct RecordedBatch {
  int32_t base_sequence = 0;
  int32_t last_sequence = 0;
  int64_t base_offset = 0;
};

// What the store knows about a producer on one partition.
struct ProducerPartitionState {
  int16_t epoch = 0;
  int32_t last_sequence = -1;
  std::vector<RecordedBatch> recent;  // up to kRememberedBatches, any order
};

struct IncomingBatch {
  int16_t epoch = 0;
  int32_t base_sequence = 0;
  int32_t last_offset_delta = 0;
};

struct SequenceDecision {
  enum class Kind { kAppend, kDuplicate, kReject };
  Kind kind = Kind::kAppend;
  int16_t error_code = 0;             // for kReject
  int64_t original_base_offset = -1;  // for kDuplicate
  bool new_epoch = false;             // for kAppend: forget the older epoch's batches
};

// Sequence numbers wrap from INT32_MAX to 0.
int32_t LastSequenceOf(int32_t base_sequence, int32_t last_offset_delta);
int32_t NextSequence(int32_t sequence);

// `state` is nullopt for a producer never seen on this partition: any sequence is accepted then
// (after retention removed its state, Kafka >= 2.x also accepts; a brand-new producer starts at 0
// anyway). `fenced_epoch` is the producer id's current epoch from allocation, when known: an
// older epoch is fenced.
SequenceDecision CheckSequence(const std::optional<ProducerPartitionState>& state,
                               std::optional<int16_t> fenced_epoch, const IncomingBatch& batch);

}  // namespace sluice::metadata
