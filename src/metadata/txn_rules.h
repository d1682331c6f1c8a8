// Kafka's transaction-coordinator decisions (KIP-98, docs/design-transactions.md §5-6) as pure
// functions over what a store read, so the SQLite and PostgreSQL back ends decide identically.
// The stores only read rows, ask these functions, and write what they say.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::metadata::txn {

// Kafka error codes the transaction calls answer.
inline constexpr int16_t kNone = 0;
inline constexpr int16_t kUnknownTopicOrPartition = 3;
inline constexpr int16_t kInvalidProducerEpoch = 47;
inline constexpr int16_t kInvalidTxnState = 48;
inline constexpr int16_t kInvalidProducerIdMapping = 49;
inline constexpr int16_t kInvalidTransactionTimeout = 50;
inline constexpr int16_t kConcurrentTransactions = 51;
inline constexpr int16_t kOperationNotAttempted = 55;
inline constexpr int16_t kUnstableOffsetCommit = 88;
inline constexpr int16_t kProducerFenced = 90;
inline constexpr int16_t kTransactionalIdNotFound = 105;

// The persisted states (no Prepare* state is ever stored: EndTxn is one store transaction).
enum class TxnState { kEmpty, kOngoing, kCompleteCommit, kCompleteAbort };

// Kafka's names ("Empty", "Ongoing", "CompleteCommit", "CompleteAbort"), as stored and shown.
std::string_view TxnStateName(TxnState state);
std::optional<TxnState> ParseTxnState(std::string_view name);

// A `transactions` row with the epoch from its `producers` row.
struct TxnRow {
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;       // the current epoch
  int16_t last_producer_epoch = -1;  // epoch fenced by a timeout abort, else -1
  TxnState state = TxnState::kEmpty;
};

// The epoch after a bump, or nullopt when the epoch is exhausted and the transactional id must
// get a new producer id at epoch 0 (Kafka: the epoch never reaches 32767 through a bump).
std::optional<int16_t> BumpedEpoch(int16_t epoch);

// --- InitProducerId with a transactional id --------------------------------------------------
struct InitDecision {
  int16_t error_code = kNone;
  bool new_producer_id = false;  // a fresh id at epoch 0 (no row yet, or epoch exhausted)
  int16_t new_epoch = 0;         // the epoch to store when !new_producer_id
  bool abort_ongoing = false;    // the row's transaction is Ongoing: abort it first
  // Epoch the ABORT markers of that transaction carry (the bumped one, or the last usable one
  // when the epoch is exhausted).
  int16_t abort_marker_epoch = -1;
};
// `requested_producer_id`/`requested_epoch` are -1/-1 unless the client sent them (v3+, KIP-360):
// then they must be the row's producer id with its current epoch or its last_producer_epoch.
InitDecision DecideInit(const std::optional<TxnRow>& row, int64_t requested_producer_id,
                        int16_t requested_epoch);

// --- Coordinator calls on an existing transactional id ---------------------------------------
enum class TxnCall { kAddPartitions, kAddGroup, kStageOffsets, kEndCommit, kEndAbort };

// The producer checks common to every call, then the state rule of the call:
// - no row / other producer id: INVALID_PRODUCER_ID_MAPPING
// - epoch not current: PRODUCER_FENCED, except INVALID_PRODUCER_EPOCH for StageOffsets (as
//   Kafka's TxnOffsetCommit) and for AddPartitions/EndTxn(abort) sent with the epoch a timeout
//   abort fenced (KIP-588 clients then bump it with InitProducerId)
// - StageOffsets: Ongoing with the group added, else INVALID_TXN_STATE
// - EndTxn: see DecideEndTxn
// 0 means go ahead (for EndTxn: ask DecideEndTxn what to do).
int16_t CheckCall(const std::optional<TxnRow>& row, int64_t producer_id, int16_t epoch,
                  TxnCall call, bool group_added = false);

// AddPartitions/AddGroup start a transaction (Ongoing, deadline) unless one is Ongoing.
inline bool StartsTransaction(TxnState state) { return state != TxnState::kOngoing; }

enum class EndTxnAction {
  kWriteMarkers,  // Ongoing: markers, offsets, state Complete*
  kAlreadyDone,   // Complete* with the same result: a retry, success without writes
  kReject,        // INVALID_TXN_STATE
};
EndTxnAction DecideEndTxn(TxnState state, bool commit);

// --- Produce: a transactional chunk before the sequence check (design §6) ---------------------
// `row` is nullopt when no transactions row has the chunk's producer id.
int16_t AdmitTransactionalChunk(const std::optional<TxnRow>& row, int16_t batch_epoch,
                                bool partition_added);

// Expiry of idle transactional ids never removes an open transaction.
inline bool Expirable(TxnState state) { return state != TxnState::kOngoing; }

}  // namespace sluice::metadata::txn
