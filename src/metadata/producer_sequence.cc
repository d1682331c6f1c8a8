#include "metadata/producer_sequence.h"

#include <limits>

namespace sluice::metadata {

int32_t LastSequenceOf(int32_t base_sequence, int32_t last_offset_delta) {
  constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
  int64_t last = static_cast<int64_t>(base_sequence) + last_offset_delta;
  if (last > kMax) last -= kMax + 1;
  return static_cast<int32_t>(last);
}

int32_t NextSequence(int32_t sequence) {
  return sequence == std::numeric_limits<int32_t>::max() ? 0 : sequence + 1;
}

SequenceDecision CheckSequence(const std::optional<ProducerPartitionState>& state,
                               std::optional<int16_t> fenced_epoch, const IncomingBatch& batch) {
  auto reject = [](int16_t code) {
    return SequenceDecision{SequenceDecision::Kind::kReject, code, -1, false};
  };
  if (fenced_epoch && batch.epoch < *fenced_epoch) return reject(kErrorInvalidProducerEpoch);
  if (!state) return SequenceDecision{};
  if (batch.epoch < state->epoch) return reject(kErrorInvalidProducerEpoch);
  if (batch.epoch > state->epoch) {
    // A bumped epoch restarts the sequence space.
    if (batch.base_sequence != 0) return reject(kErrorOutOfOrderSequence);
    return SequenceDecision{SequenceDecision::Kind::kAppend, 0, -1, true};
  }
  const int32_t last = LastSequenceOf(batch.base_sequence, batch.last_offset_delta);
  for (const RecordedBatch& recorded : state->recent) {
    if (recorded.base_sequence == batch.base_sequence && recorded.last_sequence == last) {
      return SequenceDecision{SequenceDecision::Kind::kDuplicate, 0, recorded.base_offset, false};
    }
  }
  if (batch.base_sequence != NextSequence(state->last_sequence)) {
    return reject(kErrorOutOfOrderSequence);
  }
  return SequenceDecision{};
}

}  // namespace sluice::metadata
