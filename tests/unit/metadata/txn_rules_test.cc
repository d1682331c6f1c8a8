// The shared transaction-coordinator decisions (docs/design-transactions.md §5-6), table-driven.
#include "metadata/txn_rules.h"

#include <gtest/gtest.h>

namespace sluice::metadata::txn {
namespace {

TxnRow Row(TxnState state, int16_t epoch = 5, int16_t last_epoch = -1) {
  return TxnRow{1000, epoch, last_epoch, state};
}

TEST(TxnRulesTest, StateNamesRoundTrip) {
  for (TxnState s : {TxnState::kEmpty, TxnState::kOngoing, TxnState::kCompleteCommit,
                     TxnState::kCompleteAbort}) {
    EXPECT_EQ(ParseTxnState(TxnStateName(s)), s);
  }
  EXPECT_EQ(TxnStateName(TxnState::kCompleteAbort), "CompleteAbort");
  EXPECT_FALSE(ParseTxnState("PrepareCommit").has_value());
}

TEST(TxnRulesTest, EpochBumpStopsBeforeShortMax) {
  EXPECT_EQ(BumpedEpoch(0), 1);
  EXPECT_EQ(BumpedEpoch(32765), 32766);
  EXPECT_FALSE(BumpedEpoch(32766).has_value());
  EXPECT_EQ(BumpedEpoch(-1), 0);
}

TEST(TxnRulesTest, InitCreatesBumpsAbortsAndFences) {
  InitDecision fresh = DecideInit(std::nullopt, -1, -1);
  EXPECT_EQ(fresh.error_code, kNone);
  EXPECT_TRUE(fresh.new_producer_id);

  InitDecision bump = DecideInit(Row(TxnState::kCompleteCommit), -1, -1);
  EXPECT_EQ(bump.error_code, kNone);
  EXPECT_FALSE(bump.new_producer_id);
  EXPECT_EQ(bump.new_epoch, 6);
  EXPECT_FALSE(bump.abort_ongoing);

  InitDecision abort = DecideInit(Row(TxnState::kOngoing), -1, -1);
  EXPECT_TRUE(abort.abort_ongoing);
  EXPECT_EQ(abort.abort_marker_epoch, 6);

  InitDecision exhausted = DecideInit(Row(TxnState::kOngoing, 32766), -1, -1);
  EXPECT_TRUE(exhausted.new_producer_id);
  EXPECT_EQ(exhausted.abort_marker_epoch, 32767);

  // KIP-360: current or last fenced epoch of the same id is accepted, anything else fenced.
  EXPECT_EQ(DecideInit(Row(TxnState::kEmpty, 5, 4), 1000, 5).error_code, kNone);
  EXPECT_EQ(DecideInit(Row(TxnState::kEmpty, 5, 4), 1000, 4).error_code, kNone);
  EXPECT_EQ(DecideInit(Row(TxnState::kEmpty, 5, 4), 1000, 3).error_code, kProducerFenced);
  EXPECT_EQ(DecideInit(Row(TxnState::kEmpty, 5, -1), 1000, -1).error_code, kProducerFenced);
  EXPECT_EQ(DecideInit(Row(TxnState::kEmpty, 5, 4), 999, 5).error_code, kProducerFenced);
}

TEST(TxnRulesTest, CoordinatorCallChecks) {
  struct Case {
    std::optional<TxnRow> row;
    int64_t pid;
    int16_t epoch;
    TxnCall call;
    bool group_added;
    int16_t want;
  };
  const Case cases[] = {
      {std::nullopt, 1000, 5, TxnCall::kAddPartitions, false, kInvalidProducerIdMapping},
      {Row(TxnState::kEmpty), 999, 5, TxnCall::kAddGroup, false, kInvalidProducerIdMapping},
      {Row(TxnState::kEmpty), 1000, 5, TxnCall::kAddPartitions, false, kNone},
      {Row(TxnState::kEmpty), 1000, 4, TxnCall::kAddPartitions, false, kProducerFenced},
      {Row(TxnState::kEmpty), 1000, 6, TxnCall::kEndCommit, false, kProducerFenced},
      {Row(TxnState::kCompleteAbort, 5, 4), 1000, 4, TxnCall::kAddPartitions, false,
       kInvalidProducerEpoch},
      {Row(TxnState::kCompleteAbort, 5, 4), 1000, 4, TxnCall::kEndAbort, false,
       kInvalidProducerEpoch},
      {Row(TxnState::kCompleteAbort, 5, 4), 1000, 4, TxnCall::kEndCommit, false, kProducerFenced},
      {Row(TxnState::kCompleteAbort, 5, 4), 1000, 3, TxnCall::kEndAbort, false, kProducerFenced},
      {Row(TxnState::kOngoing), 1000, 4, TxnCall::kStageOffsets, true, kInvalidProducerEpoch},
      {Row(TxnState::kOngoing), 1000, 5, TxnCall::kStageOffsets, false, kInvalidTxnState},
      {Row(TxnState::kEmpty), 1000, 5, TxnCall::kStageOffsets, true, kInvalidTxnState},
      {Row(TxnState::kOngoing), 1000, 5, TxnCall::kStageOffsets, true, kNone},
      {Row(TxnState::kEmpty), 1000, 5, TxnCall::kEndCommit, false, kNone},
  };
  for (size_t i = 0; i < std::size(cases); ++i) {
    const Case& c = cases[i];
    EXPECT_EQ(CheckCall(c.row, c.pid, c.epoch, c.call, c.group_added), c.want) << "case " << i;
  }
  EXPECT_TRUE(StartsTransaction(TxnState::kEmpty));
  EXPECT_TRUE(StartsTransaction(TxnState::kCompleteCommit));
  EXPECT_FALSE(StartsTransaction(TxnState::kOngoing));
  EXPECT_FALSE(Expirable(TxnState::kOngoing));
  EXPECT_TRUE(Expirable(TxnState::kCompleteAbort));
}

TEST(TxnRulesTest, EndTxnActions) {
  EXPECT_EQ(DecideEndTxn(TxnState::kOngoing, true), EndTxnAction::kWriteMarkers);
  EXPECT_EQ(DecideEndTxn(TxnState::kOngoing, false), EndTxnAction::kWriteMarkers);
  EXPECT_EQ(DecideEndTxn(TxnState::kCompleteCommit, true), EndTxnAction::kAlreadyDone);
  EXPECT_EQ(DecideEndTxn(TxnState::kCompleteAbort, false), EndTxnAction::kAlreadyDone);
  EXPECT_EQ(DecideEndTxn(TxnState::kCompleteCommit, false), EndTxnAction::kReject);
  EXPECT_EQ(DecideEndTxn(TxnState::kCompleteAbort, true), EndTxnAction::kReject);
  EXPECT_EQ(DecideEndTxn(TxnState::kEmpty, true), EndTxnAction::kReject);
  EXPECT_EQ(DecideEndTxn(TxnState::kEmpty, false), EndTxnAction::kReject);
}

TEST(TxnRulesTest, TransactionalChunkAdmission) {
  // Design §6's table, row by row.
  EXPECT_EQ(AdmitTransactionalChunk(std::nullopt, 5, true), kInvalidProducerIdMapping);
  EXPECT_EQ(AdmitTransactionalChunk(Row(TxnState::kOngoing), 4, true), kInvalidProducerEpoch);
  EXPECT_EQ(AdmitTransactionalChunk(Row(TxnState::kCompleteCommit), 5, true), kInvalidTxnState);
  EXPECT_EQ(AdmitTransactionalChunk(Row(TxnState::kEmpty), 5, true), kInvalidTxnState);
  EXPECT_EQ(AdmitTransactionalChunk(Row(TxnState::kOngoing), 6, true), kInvalidTxnState);
  EXPECT_EQ(AdmitTransactionalChunk(Row(TxnState::kOngoing), 5, false), kInvalidTxnState);
  EXPECT_EQ(AdmitTransactionalChunk(Row(TxnState::kOngoing), 5, true), kNone);
  // A stale epoch wins over a wrong state (the fenced producer learns it is fenced).
  EXPECT_EQ(AdmitTransactionalChunk(Row(TxnState::kCompleteAbort), 4, false),
            kInvalidProducerEpoch);
}

}  // namespace
}  // namespace sluice::metadata::txn
