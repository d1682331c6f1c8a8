#include "metadata/txn_rules.h"

#include <limits>

namespace sluice::metadata::txn {

namespace {

constexpr int16_t kMaxEpoch = std::numeric_limits<int16_t>::max();

bool MatchesProducer(const std::optional<TxnRow>& row, int64_t producer_id) {
  return row && row->producer_id == producer_id;
}

}  // namespace

std::string_view TxnStateName(TxnState state) {
  switch (state) {
    case TxnState::kEmpty:
      return "Empty";
    case TxnState::kOngoing:
      return "Ongoing";
    case TxnState::kCompleteCommit:
      return "CompleteCommit";
    case TxnState::kCompleteAbort:
      return "CompleteAbort";
  }
  return "Empty";
}

std::optional<TxnState> ParseTxnState(std::string_view name) {
  for (TxnState s : {TxnState::kEmpty, TxnState::kOngoing, TxnState::kCompleteCommit,
                     TxnState::kCompleteAbort}) {
    if (TxnStateName(s) == name) return s;
  }
  return std::nullopt;
}

std::optional<int16_t> BumpedEpoch(int16_t epoch) {
  if (epoch < 0) return 0;
  if (epoch + 1 >= kMaxEpoch) return std::nullopt;
  return static_cast<int16_t>(epoch + 1);
}

InitDecision DecideInit(const std::optional<TxnRow>& row, int64_t requested_producer_id,
                        int16_t requested_epoch) {
  InitDecision d;
  if (!row) {
    // A new id; Kafka ignores a producer id/epoch the client remembers from an expired id.
    d.new_producer_id = true;
    return d;
  }
  if (requested_producer_id >= 0) {
    const bool known_epoch =
        requested_epoch == row->producer_epoch ||
        (row->last_producer_epoch >= 0 && requested_epoch == row->last_producer_epoch);
    if (requested_producer_id != row->producer_id || !known_epoch) {
      d.error_code = kProducerFenced;
      return d;
    }
  }
  std::optional<int16_t> bumped = BumpedEpoch(row->producer_epoch);
  d.new_producer_id = !bumped;
  d.new_epoch = bumped.value_or(0);
  d.abort_ongoing = row->state == TxnState::kOngoing;
  if (d.abort_ongoing) {
    d.abort_marker_epoch = row->producer_epoch >= kMaxEpoch
                               ? kMaxEpoch
                               : static_cast<int16_t>(row->producer_epoch + 1);
  }
  return d;
}

int16_t CheckCall(const std::optional<TxnRow>& row, int64_t producer_id, int16_t epoch,
                  TxnCall call, bool group_added) {
  if (!MatchesProducer(row, producer_id)) return kInvalidProducerIdMapping;
  if (epoch != row->producer_epoch) {
    if (call == TxnCall::kStageOffsets) return kInvalidProducerEpoch;
    const bool fenced_by_timeout = row->last_producer_epoch >= 0 &&
                                   epoch == row->last_producer_epoch &&
                                   (call == TxnCall::kAddPartitions || call == TxnCall::kEndAbort);
    return fenced_by_timeout ? kInvalidProducerEpoch : kProducerFenced;
  }
  if (call == TxnCall::kStageOffsets && (row->state != TxnState::kOngoing || !group_added)) {
    return kInvalidTxnState;
  }
  return kNone;
}

EndTxnAction DecideEndTxn(TxnState state, bool commit) {
  switch (state) {
    case TxnState::kOngoing:
      return EndTxnAction::kWriteMarkers;
    case TxnState::kCompleteCommit:
      return commit ? EndTxnAction::kAlreadyDone : EndTxnAction::kReject;
    case TxnState::kCompleteAbort:
      return commit ? EndTxnAction::kReject : EndTxnAction::kAlreadyDone;
    case TxnState::kEmpty:
      return EndTxnAction::kReject;
  }
  return EndTxnAction::kReject;
}

int16_t AdmitTransactionalChunk(const std::optional<TxnRow>& row, int16_t batch_epoch,
                                bool partition_added) {
  if (!row) return kInvalidProducerIdMapping;
  if (batch_epoch < row->producer_epoch) return kInvalidProducerEpoch;
  if (row->state != TxnState::kOngoing || batch_epoch > row->producer_epoch || !partition_added) {
    return kInvalidTxnState;
  }
  return kNone;
}

}  // namespace sluice::metadata::txn
