// PostgresMetadataStore: the transaction calls (KIP-98, docs/design-transactions.md §5-§8). The
// decisions are txn_rules.h's; this file reads rows, asks, and writes what they say.
//
// Lock order (every call follows it, so no cycle): the `transactions` row (FOR UPDATE here, FOR
// SHARE by the produce commit, several sorted by producer id) -> `topics` rows FOR SHARE sorted by
// name -> `partitions` rows FOR UPDATE sorted by (topic name, partition), as the commit does. A
// new transactional id is serialised first by an advisory lock on its name (no row to lock yet).
#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "metadata/postgres_metadata_store.h"
#include "metadata/postgres_schema.h"
#include "metadata/postgres_store_util.h"
#include "metadata/sqlite_store_util.h"
#include "metadata/txn_rules.h"

namespace sluice::metadata {

namespace {

using Retry = RetryAfterLostCommit;

// A `transactions` row, locked, with its producer's current epoch.
struct LockedTxn {
  txn::TxnRow row;
  int32_t timeout_ms = 0;
  std::optional<int64_t> deadline_ms;
};

Result<txn::TxnState> StateAt(const PgResult& res, int r, int col) {
  std::optional<txn::TxnState> state = txn::ParseTxnState(res.Text(r, col));
  if (!state) return Status::Corruption("unknown transaction state '" + res.Text(r, col) + "'");
  return *state;
}

Result<int16_t> EpochAt(const PgResult& res, int r, int col) {
  SLUICE_ASSIGN_OR_RETURN(const int32_t v, Int32At(res, r, col));
  if (v < -1 || v > std::numeric_limits<int16_t>::max()) {
    return Status::Corruption("producer epoch out of range");
  }
  return static_cast<int16_t>(v);
}

Result<std::optional<LockedTxn>> LockTxnNow(PgConnection& db, const std::string& transactional_id,
                                            const char* lock) {
  SLUICE_ASSIGN_OR_RETURN(
      PgResult res,
      db.Exec(std::string("SELECT producer_id, last_producer_epoch, state, timeout_ms, "
                          "deadline_ms FROM transactions WHERE transactional_id = $1 ") +
                  lock,
              {transactional_id}));
  if (res.rows() == 0) return std::optional<LockedTxn>();
  LockedTxn t;
  SLUICE_ASSIGN_OR_RETURN(t.row.producer_id, res.Int(0, 0));
  SLUICE_ASSIGN_OR_RETURN(t.row.last_producer_epoch, EpochAt(res, 0, 1));
  SLUICE_ASSIGN_OR_RETURN(t.row.state, StateAt(res, 0, 2));
  SLUICE_ASSIGN_OR_RETURN(t.timeout_ms, Int32At(res, 0, 3));
  if (!res.IsNull(0, 4)) {
    SLUICE_ASSIGN_OR_RETURN(const int64_t deadline, res.Int(0, 4));
    t.deadline_ms = deadline;
  }
  // Read after the lock: a statement of its own sees the epoch the lock holder last wrote.
  SLUICE_ASSIGN_OR_RETURN(
      PgResult epoch,
      db.Exec("SELECT producer_epoch FROM producers WHERE producer_id = $1", {t.row.producer_id}));
  if (epoch.rows() == 0) return Status::Corruption("transaction without its producers row");
  SLUICE_ASSIGN_OR_RETURN(t.row.producer_epoch, EpochAt(epoch, 0, 0));
  return std::optional<LockedTxn>(t);
}

Status SetStateNow(PgConnection& db, const std::string& transactional_id, txn::TxnState state,
                   int64_t now_ms) {
  return db
      .Exec(
          "UPDATE transactions SET state = $2, started_ms = -1, deadline_ms = NULL, "
          "updated_ms = $3 WHERE transactional_id = $1",
          {transactional_id, std::string(txn::TxnStateName(state)), now_ms})
      .status();
}

// The partition's LSO under its lock: the lowest first offset of an open transaction there, else
// the high watermark, never below the log start.
Result<int64_t> StableOffsetNow(PgConnection& db, ByteView topic_id, int32_t partition,
                                int64_t log_start, int64_t high_watermark) {
  SLUICE_ASSIGN_OR_RETURN(
      PgResult res, db.Exec("SELECT MIN(first_offset) FROM txn_partitions WHERE topic_id = $1 AND "
                            "partition_id = $2 AND first_offset IS NOT NULL",
                            {topic_id, partition}));
  int64_t lso = high_watermark;
  if (res.rows() == 1 && !res.IsNull(0, 0)) {
    SLUICE_ASSIGN_OR_RETURN(lso, res.Int(0, 0));
  }
  return std::max(lso, log_start);
}

// Ends the transaction: a marker at the high watermark of every partition it wrote to, staged
// offsets moved (commit) or dropped (abort), its partitions, groups and offsets forgotten. The
// caller holds the transactions row FOR UPDATE and sets the state afterwards.
Result<std::vector<WrittenMarker>> FinishTxnNow(PgConnection& db,
                                                const std::string& transactional_id,
                                                int64_t producer_id, int16_t marker_epoch,
                                                bool commit, int64_t now_ms) {
  SLUICE_ASSIGN_OR_RETURN(
      PgResult parts,
      db.Exec("SELECT t.name, tp.topic_id, tp.partition_id, tp.first_offset FROM txn_partitions "
              "tp JOIN topics t ON t.topic_id = tp.topic_id WHERE tp.transactional_id = $1 AND "
              "tp.first_offset IS NOT NULL ORDER BY t.name, tp.partition_id",
              {transactional_id}));
  struct Target {
    std::string topic;
    Bytes topic_id;
    int32_t partition = 0;
    int64_t first_offset = 0;
    int64_t log_start = 0;
    int64_t marker_offset = 0;
  };
  std::vector<Target> targets;
  for (int r = 0; r < parts.rows(); ++r) {
    Target t;
    t.topic = parts.Text(r, 0);
    SLUICE_ASSIGN_OR_RETURN(t.topic_id, parts.Bytea(r, 1));
    SLUICE_ASSIGN_OR_RETURN(t.partition, Int32At(parts, r, 2));
    SLUICE_ASSIGN_OR_RETURN(t.first_offset, parts.Int(r, 3));
    targets.push_back(std::move(t));
  }
  std::set<std::string> topics_locked;
  for (const Target& t : targets) {  // sorted by name: the commit's order
    if (!topics_locked.insert(t.topic).second) continue;
    SLUICE_RETURN_IF_ERROR(
        db.Exec("SELECT 1 FROM topics WHERE topic_id = $1 FOR SHARE", {ByteView(t.topic_id)})
            .status());
  }
  const int64_t committed = commit ? 1 : 0;
  for (Target& t : targets) {
    const ByteView topic_id(t.topic_id);
    SLUICE_ASSIGN_OR_RETURN(
        PgResult row,
        db.Exec("SELECT log_start_offset, high_watermark FROM partitions WHERE topic_id = $1 AND "
                "partition_id = $2 FOR UPDATE",
                {topic_id, t.partition}));
    if (row.rows() == 0) continue;  // deleted meanwhile; its txn_partitions row went with it
    SLUICE_ASSIGN_OR_RETURN(t.log_start, row.Int(0, 0));
    SLUICE_ASSIGN_OR_RETURN(t.marker_offset, row.Int(0, 1));
    SLUICE_RETURN_IF_ERROR(
        db.Exec("INSERT INTO txn_markers (topic_id, partition_id, marker_offset, producer_id, "
                "producer_epoch, committed, coordinator_epoch, first_offset, timestamp_ms) VALUES "
                "($1, $2, $3, $4, $5, $6, 0, $7, $8)",
                {topic_id, t.partition, t.marker_offset, producer_id, marker_epoch, committed,
                 t.first_offset, now_ms})
            .status());
    SLUICE_RETURN_IF_ERROR(
        db.Exec(commit
                    ? "UPDATE partitions SET high_watermark = $3 WHERE topic_id = $1 AND "
                      "partition_id = $2"
                    : "UPDATE partitions SET high_watermark = $3, last_abort_offset = "
                      "GREATEST(last_abort_offset, $4) WHERE topic_id = $1 AND partition_id = $2",
                commit ? std::vector<PgParam>{topic_id, t.partition, t.marker_offset + 1}
                       : std::vector<PgParam>{topic_id, t.partition, t.marker_offset + 1,
                                              t.marker_offset})
            .status());
  }
  if (commit) {
    SLUICE_RETURN_IF_ERROR(
        db.Exec("INSERT INTO committed_offsets (group_id, topic_name, partition_id, "
                "committed_offset, leader_epoch, metadata, commit_time_ms) SELECT group_id, "
                "topic_name, partition_id, committed_offset, leader_epoch, metadata, "
                "commit_time_ms FROM txn_pending_offsets WHERE transactional_id = $1 ON CONFLICT "
                "(group_id, topic_name, partition_id) DO UPDATE SET committed_offset = "
                "excluded.committed_offset, leader_epoch = excluded.leader_epoch, metadata = "
                "excluded.metadata, commit_time_ms = excluded.commit_time_ms",
                {transactional_id})
            .status());
  }
  for (const char* table : {"txn_pending_offsets", "txn_groups", "txn_partitions"}) {
    SLUICE_RETURN_IF_ERROR(
        db.Exec(std::string("DELETE FROM ") + table + " WHERE transactional_id = $1",
                {transactional_id})
            .status());
  }
  std::vector<WrittenMarker> written;
  for (const Target& t : targets) {
    WrittenMarker m;
    m.topic = t.topic;
    m.partition = t.partition;
    m.marker_offset = t.marker_offset;
    m.high_watermark = t.marker_offset + 1;
    m.log_start_offset = t.log_start;
    SLUICE_ASSIGN_OR_RETURN(
        m.last_stable_offset,
        StableOffsetNow(db, ByteView(t.topic_id), t.partition, t.log_start, m.high_watermark));
    written.push_back(std::move(m));
  }
  return written;
}

// Starts the transaction when it is not Ongoing (the caller holds the row FOR UPDATE).
Status StartIfIdleNow(PgConnection& db, const std::string& transactional_id, const LockedTxn& t,
                      int64_t now_ms) {
  if (!txn::StartsTransaction(t.row.state)) return Status::Ok();
  return db
      .Exec(
          "UPDATE transactions SET state = $2, started_ms = $3, deadline_ms = $4, updated_ms "
          "= $3 WHERE transactional_id = $1",
          {transactional_id, std::string(txn::TxnStateName(txn::TxnState::kOngoing)), now_ms,
           now_ms + t.timeout_ms})
      .status();
}

Status RequireTransactionalId(const std::string& id) {
  if (id.empty()) return Status::InvalidArgument("transactional id is empty");
  return Status::Ok();
}

Result<InitTxnProducerResult> InitNow(PgConnection& db, const InitTxnProducerRequest& request,
                                      int64_t now_ms) {
  SLUICE_RETURN_IF_ERROR(RequireTransactionalId(request.transactional_id));
  InitTxnProducerResult result;
  if (request.transaction_timeout_ms <= 0) {
    result.error_code = txn::kInvalidTransactionTimeout;
    return result;
  }
  // Not retried after a lost COMMIT: the retry would bump the epoch a second time.
  return InTransaction(db, Retry::kNo, [&]() -> Result<InitTxnProducerResult> {
    InitTxnProducerResult out;
    // Serialises inits of one id before its row exists (the same key AllocateProducerId uses).
    SLUICE_RETURN_IF_ERROR(db.Exec("SELECT pg_advisory_xact_lock($1, hashtext($2))",
                                   {static_cast<int32_t>(kMigrationAdvisoryLock & 0x7fffffff),
                                    request.transactional_id})
                               .status());
    SLUICE_ASSIGN_OR_RETURN(std::optional<LockedTxn> locked,
                            LockTxnNow(db, request.transactional_id, "FOR UPDATE"));
    std::optional<txn::TxnRow> row;
    if (locked) row = locked->row;
    const txn::InitDecision d = txn::DecideInit(row, request.producer_id, request.producer_epoch);
    if (d.error_code != txn::kNone) {
      out.error_code = d.error_code;
      return out;
    }
    if (d.abort_ongoing) {
      SLUICE_ASSIGN_OR_RETURN(out.markers,
                              FinishTxnNow(db, request.transactional_id, row->producer_id,
                                           d.abort_marker_epoch, /*commit=*/false, now_ms));
    }
    const std::string empty(txn::TxnStateName(txn::TxnState::kEmpty));
    if (!d.new_producer_id) {
      SLUICE_RETURN_IF_ERROR(
          db.Exec("UPDATE producers SET producer_epoch = $1 WHERE producer_id = $2",
                  {d.new_epoch, row->producer_id})
              .status());
      SLUICE_RETURN_IF_ERROR(
          db.Exec("UPDATE transactions SET state = $2, timeout_ms = $3, started_ms = -1, "
                  "deadline_ms = NULL, updated_ms = $4 WHERE transactional_id = $1",
                  {request.transactional_id, empty, request.transaction_timeout_ms, now_ms})
              .status());
      out.producer_id = row->producer_id;
      out.producer_epoch = d.new_epoch;
      return out;
    }
    // A fresh producer id at epoch 0; the old id (if any) keeps no transactional id.
    SLUICE_RETURN_IF_ERROR(
        db.Exec("UPDATE producers SET transactional_id = NULL WHERE transactional_id = $1",
                {request.transactional_id})
            .status());
    SLUICE_ASSIGN_OR_RETURN(
        PgResult next,
        db.Exec("UPDATE producer_id_block SET next_producer_id = next_producer_id + 1 WHERE "
                "singleton = 1 RETURNING next_producer_id - 1"));
    if (next.rows() != 1) return Status::Internal("producer_id_block row is missing");
    SLUICE_ASSIGN_OR_RETURN(const int64_t id, next.Int(0, 0));
    SLUICE_RETURN_IF_ERROR(db.Exec("INSERT INTO producers (producer_id, producer_epoch, "
                                   "transactional_id, created_ms) VALUES ($1, 0, $2, $3)",
                                   {id, request.transactional_id, now_ms})
                               .status());
    SLUICE_RETURN_IF_ERROR(
        db.Exec("INSERT INTO transactions (transactional_id, producer_id, last_producer_epoch, "
                "state, timeout_ms, started_ms, deadline_ms, updated_ms) VALUES ($1, $2, -1, $3, "
                "$4, -1, NULL, $5) ON CONFLICT (transactional_id) DO UPDATE SET producer_id = "
                "excluded.producer_id, last_producer_epoch = -1, state = excluded.state, "
                "timeout_ms = excluded.timeout_ms, started_ms = -1, deadline_ms = NULL, "
                "updated_ms = excluded.updated_ms",
                {request.transactional_id, id, empty, request.transaction_timeout_ms, now_ms})
            .status());
    out.producer_id = id;
    out.producer_epoch = 0;
    return out;
  });
}

Result<std::vector<int16_t>> AddPartitionsNow(
    PgConnection& db, const TxnProducer& producer,
    const std::vector<std::pair<std::string, int32_t>>& partitions, int64_t now_ms) {
  SLUICE_RETURN_IF_ERROR(RequireTransactionalId(producer.transactional_id));
  return InTransaction(db, Retry::kYes, [&]() -> Result<std::vector<int16_t>> {
    SLUICE_ASSIGN_OR_RETURN(std::optional<LockedTxn> locked,
                            LockTxnNow(db, producer.transactional_id, "FOR UPDATE"));
    // Topics in name order (the lock order), each FOR SHARE so it stays while we add it.
    std::map<std::string, std::optional<std::pair<Bytes, int32_t>>> topics;
    for (const auto& [topic, partition] : partitions) topics[topic];
    for (auto& [name, info] : topics) {
      SLUICE_ASSIGN_OR_RETURN(
          PgResult res,
          db.Exec("SELECT topic_id, num_partitions FROM topics WHERE name = $1 FOR SHARE", {name}));
      if (res.rows() == 0) continue;
      SLUICE_ASSIGN_OR_RETURN(Bytes id, res.Bytea(0, 0));
      SLUICE_ASSIGN_OR_RETURN(const int32_t count, Int32At(res, 0, 1));
      info.emplace(std::move(id), count);
    }
    std::vector<int16_t> codes(partitions.size(), txn::kNone);
    bool unknown = false;
    for (size_t i = 0; i < partitions.size(); ++i) {
      const auto& info = topics[partitions[i].first];
      if (!info || partitions[i].second < 0 || partitions[i].second >= info->second) {
        codes[i] = txn::kUnknownTopicOrPartition;
        unknown = true;
      }
    }
    if (unknown) {  // all or nothing
      for (int16_t& c : codes) {
        if (c == txn::kNone) c = txn::kOperationNotAttempted;
      }
      return codes;
    }
    std::optional<txn::TxnRow> row;
    if (locked) row = locked->row;
    const int16_t check = txn::CheckCall(row, producer.producer_id, producer.producer_epoch,
                                         txn::TxnCall::kAddPartitions);
    if (check != txn::kNone) return std::vector<int16_t>(partitions.size(), check);
    if (partitions.empty()) return codes;
    SLUICE_RETURN_IF_ERROR(StartIfIdleNow(db, producer.transactional_id, *locked, now_ms));
    std::set<std::pair<std::string, int32_t>> sorted(partitions.begin(), partitions.end());
    for (const auto& [topic, partition] : sorted) {
      SLUICE_RETURN_IF_ERROR(
          db.Exec("INSERT INTO txn_partitions (transactional_id, topic_id, partition_id, "
                  "first_offset) VALUES ($1, $2, $3, NULL) ON CONFLICT DO NOTHING",
                  {producer.transactional_id, ByteView(topics[topic]->first), partition})
              .status());
    }
    return codes;
  });
}

Result<int16_t> AddGroupNow(PgConnection& db, const TxnProducer& producer, const std::string& group,
                            int64_t now_ms) {
  SLUICE_RETURN_IF_ERROR(RequireTransactionalId(producer.transactional_id));
  if (group.empty()) return Status::InvalidArgument("group id is empty");
  return InTransaction(db, Retry::kYes, [&]() -> Result<int16_t> {
    SLUICE_ASSIGN_OR_RETURN(std::optional<LockedTxn> locked,
                            LockTxnNow(db, producer.transactional_id, "FOR UPDATE"));
    std::optional<txn::TxnRow> row;
    if (locked) row = locked->row;
    const int16_t check =
        txn::CheckCall(row, producer.producer_id, producer.producer_epoch, txn::TxnCall::kAddGroup);
    if (check != txn::kNone) return check;
    SLUICE_RETURN_IF_ERROR(StartIfIdleNow(db, producer.transactional_id, *locked, now_ms));
    SLUICE_RETURN_IF_ERROR(db.Exec("INSERT INTO txn_groups (transactional_id, group_id) VALUES "
                                   "($1, $2) ON CONFLICT DO NOTHING",
                                   {producer.transactional_id, group})
                               .status());
    return txn::kNone;
  });
}

Result<int16_t> StageOffsetsNow(
    PgConnection& db, const TxnProducer& producer, const std::string& group,
    const std::vector<std::tuple<std::string, int32_t, CommittedOffset>>& offsets) {
  SLUICE_RETURN_IF_ERROR(RequireTransactionalId(producer.transactional_id));
  return InTransaction(db, Retry::kYes, [&]() -> Result<int16_t> {
    SLUICE_ASSIGN_OR_RETURN(std::optional<LockedTxn> locked,
                            LockTxnNow(db, producer.transactional_id, "FOR UPDATE"));
    std::optional<txn::TxnRow> row;
    if (locked) row = locked->row;
    SLUICE_ASSIGN_OR_RETURN(PgResult added,
                            db.Exec("SELECT 1 FROM txn_groups WHERE transactional_id = $1 AND "
                                    "group_id = $2",
                                    {producer.transactional_id, group}));
    const int16_t check = txn::CheckCall(row, producer.producer_id, producer.producer_epoch,
                                         txn::TxnCall::kStageOffsets, added.rows() > 0);
    if (check != txn::kNone) return check;
    for (const auto& [topic, partition, committed] : offsets) {
      SLUICE_RETURN_IF_ERROR(
          db.Exec("INSERT INTO txn_pending_offsets (transactional_id, group_id, topic_name, "
                  "partition_id, committed_offset, leader_epoch, metadata, commit_time_ms) "
                  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (transactional_id, "
                  "group_id, topic_name, partition_id) DO UPDATE SET committed_offset = "
                  "excluded.committed_offset, leader_epoch = excluded.leader_epoch, metadata = "
                  "excluded.metadata, commit_time_ms = excluded.commit_time_ms",
                  {producer.transactional_id, group, topic, partition, committed.offset,
                   committed.leader_epoch, committed.metadata, committed.commit_time_ms})
              .status());
    }
    return txn::kNone;
  });
}

Result<EndTxnResult> EndNow(PgConnection& db, const TxnProducer& producer, bool commit,
                            int64_t now_ms) {
  SLUICE_RETURN_IF_ERROR(RequireTransactionalId(producer.transactional_id));
  // A repeat after a lost COMMIT finds Complete* and answers success: safe to run again.
  return InTransaction(db, Retry::kYes, [&]() -> Result<EndTxnResult> {
    EndTxnResult out;
    SLUICE_ASSIGN_OR_RETURN(std::optional<LockedTxn> locked,
                            LockTxnNow(db, producer.transactional_id, "FOR UPDATE"));
    std::optional<txn::TxnRow> row;
    if (locked) row = locked->row;
    out.error_code = txn::CheckCall(row, producer.producer_id, producer.producer_epoch,
                                    commit ? txn::TxnCall::kEndCommit : txn::TxnCall::kEndAbort);
    if (out.error_code != txn::kNone) return out;
    switch (txn::DecideEndTxn(row->state, commit)) {
      case txn::EndTxnAction::kReject:
        out.error_code = txn::kInvalidTxnState;
        return out;
      case txn::EndTxnAction::kAlreadyDone:
        return out;
      case txn::EndTxnAction::kWriteMarkers:
        break;
    }
    SLUICE_ASSIGN_OR_RETURN(out.markers,
                            FinishTxnNow(db, producer.transactional_id, row->producer_id,
                                         row->producer_epoch, commit, now_ms));
    SLUICE_RETURN_IF_ERROR(SetStateNow(
        db, producer.transactional_id,
        commit ? txn::TxnState::kCompleteCommit : txn::TxnState::kCompleteAbort, now_ms));
    return out;
  });
}

// One expired transaction, in its own store transaction; nullopt when it is no longer expired.
Result<std::optional<ExpiredTxnAbort>> AbortIfExpiredNow(PgConnection& db,
                                                         const std::string& transactional_id,
                                                         int64_t now_ms) {
  using Out = std::optional<ExpiredTxnAbort>;
  return InTransaction(db, Retry::kYes, [&]() -> Result<Out> {
    SLUICE_ASSIGN_OR_RETURN(std::optional<LockedTxn> locked,
                            LockTxnNow(db, transactional_id, "FOR UPDATE"));
    if (!locked || locked->row.state != txn::TxnState::kOngoing || !locked->deadline_ms ||
        *locked->deadline_ms > now_ms) {
      return Out();
    }
    // Fence the timed-out producer: its epoch moves on and is remembered for KIP-360 recovery.
    const int16_t fenced = locked->row.producer_epoch;
    const int16_t epoch = txn::BumpedEpoch(fenced).value_or(std::numeric_limits<int16_t>::max());
    SLUICE_RETURN_IF_ERROR(
        db.Exec("UPDATE producers SET producer_epoch = $1 WHERE producer_id = $2",
                {epoch, locked->row.producer_id})
            .status());
    SLUICE_RETURN_IF_ERROR(db.Exec("UPDATE transactions SET last_producer_epoch = $2 WHERE "
                                   "transactional_id = $1",
                                   {transactional_id, fenced})
                               .status());
    ExpiredTxnAbort abort;
    abort.transactional_id = transactional_id;
    SLUICE_ASSIGN_OR_RETURN(abort.markers,
                            FinishTxnNow(db, transactional_id, locked->row.producer_id, epoch,
                                         /*commit=*/false, now_ms));
    SLUICE_RETURN_IF_ERROR(
        SetStateNow(db, transactional_id, txn::TxnState::kCompleteAbort, now_ms));
    return Out(std::move(abort));
  });
}

Result<std::vector<ExpiredTxnAbort>> AbortExpiredNow(PgConnection& db, int64_t now_ms,
                                                     int32_t limit) {
  if (limit <= 0) return std::vector<ExpiredTxnAbort>();
  SLUICE_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      InTransaction(db, Retry::kYes, [&]() -> Result<std::vector<std::string>> {
        SLUICE_ASSIGN_OR_RETURN(
            PgResult res,
            db.Exec("SELECT transactional_id FROM transactions WHERE deadline_ms <= $1 AND state "
                    "= $2 ORDER BY deadline_ms, transactional_id LIMIT $3",
                    {now_ms, std::string(txn::TxnStateName(txn::TxnState::kOngoing)), limit}));
        std::vector<std::string> out;
        for (int r = 0; r < res.rows(); ++r) out.push_back(res.Text(r, 0));
        return out;
      }));
  std::vector<ExpiredTxnAbort> aborted;
  for (const std::string& id : ids) {
    Result<std::optional<ExpiredTxnAbort>> one = AbortIfExpiredNow(db, id, now_ms);
    if (!one.ok()) {
      // The aborts done so far are committed: report them; the reaper retries the rest.
      if (aborted.empty()) return one.status();
      break;
    }
    if (*one) aborted.push_back(std::move(**one));
  }
  return aborted;
}

Result<std::vector<TxnDescription>> DescribeNow(PgConnection& db,
                                                const std::vector<std::string>& ids) {
  return InTransaction(db, Retry::kYes, [&]() -> Result<std::vector<TxnDescription>> {
    std::vector<TxnDescription> out;
    for (const std::string& id : ids) {
      TxnDescription d;
      d.transactional_id = id;
      SLUICE_ASSIGN_OR_RETURN(
          PgResult res,
          db.Exec("SELECT t.producer_id, p.producer_epoch, t.state, t.timeout_ms, t.started_ms "
                  "FROM transactions t JOIN producers p ON p.producer_id = t.producer_id WHERE "
                  "t.transactional_id = $1",
                  {id}));
      if (res.rows() == 0) {
        d.error_code = txn::kTransactionalIdNotFound;
        out.push_back(std::move(d));
        continue;
      }
      SLUICE_ASSIGN_OR_RETURN(d.producer_id, res.Int(0, 0));
      SLUICE_ASSIGN_OR_RETURN(d.producer_epoch, EpochAt(res, 0, 1));
      SLUICE_ASSIGN_OR_RETURN(const txn::TxnState state, StateAt(res, 0, 2));
      d.state = std::string(txn::TxnStateName(state));
      SLUICE_ASSIGN_OR_RETURN(d.timeout_ms, Int32At(res, 0, 3));
      if (state == txn::TxnState::kOngoing) {
        SLUICE_ASSIGN_OR_RETURN(d.start_time_ms, res.Int(0, 4));
      }
      SLUICE_ASSIGN_OR_RETURN(
          PgResult parts,
          db.Exec("SELECT t.name, tp.partition_id FROM txn_partitions tp JOIN topics t ON "
                  "t.topic_id = tp.topic_id WHERE tp.transactional_id = $1 ORDER BY t.name, "
                  "tp.partition_id",
                  {id}));
      for (int r = 0; r < parts.rows(); ++r) {
        SLUICE_ASSIGN_OR_RETURN(const int32_t partition, Int32At(parts, r, 1));
        d.partitions.emplace_back(parts.Text(r, 0), partition);
      }
      out.push_back(std::move(d));
    }
    return out;
  });
}

Result<std::vector<TxnListing>> ListNow(PgConnection& db) {
  return InTransaction(db, Retry::kYes, [&]() -> Result<std::vector<TxnListing>> {
    SLUICE_ASSIGN_OR_RETURN(PgResult res,
                            db.Exec("SELECT transactional_id, producer_id, state FROM "
                                    "transactions ORDER BY transactional_id"));
    std::vector<TxnListing> out;
    for (int r = 0; r < res.rows(); ++r) {
      TxnListing l;
      l.transactional_id = res.Text(r, 0);
      SLUICE_ASSIGN_OR_RETURN(l.producer_id, res.Int(r, 1));
      SLUICE_ASSIGN_OR_RETURN(const txn::TxnState state, StateAt(res, r, 2));
      l.state = std::string(txn::TxnStateName(state));
      out.push_back(std::move(l));
    }
    return out;
  });
}

Result<std::vector<AbortedTxn>> FindAbortedNow(PgConnection& db, const std::string& topic,
                                               int32_t partition, int64_t from_offset,
                                               int64_t to_offset) {
  return InTransaction(db, Retry::kYes, [&]() -> Result<std::vector<AbortedTxn>> {
    SLUICE_ASSIGN_OR_RETURN(
        PgResult t,
        db.Exec("SELECT topic_id, num_partitions FROM topics WHERE name = $1", {topic}));
    if (t.rows() == 0) return Status::NotFound("unknown topic '" + topic + "'");
    SLUICE_ASSIGN_OR_RETURN(Bytes id, t.Bytea(0, 0));
    SLUICE_ASSIGN_OR_RETURN(const int32_t count, Int32At(t, 0, 1));
    if (partition < 0 || partition >= count) {
      return Status::NotFound("unknown partition " + topic + "-" + std::to_string(partition));
    }
    SLUICE_ASSIGN_OR_RETURN(
        PgResult res,
        db.Exec("SELECT producer_id, first_offset FROM txn_markers WHERE topic_id = $1 AND "
                "partition_id = $2 AND committed = 0 AND marker_offset >= $3 AND first_offset "
                "<= $4 ORDER BY first_offset, producer_id",
                {ByteView(id), partition, from_offset, to_offset}));
    std::vector<AbortedTxn> out;
    for (int r = 0; r < res.rows(); ++r) {
      AbortedTxn a;
      SLUICE_ASSIGN_OR_RETURN(a.producer_id, res.Int(r, 0));
      SLUICE_ASSIGN_OR_RETURN(a.first_offset, res.Int(r, 1));
      out.push_back(a);
    }
    return out;
  });
}

Result<std::vector<std::pair<std::string, int32_t>>> PendingOffsetsNow(
    PgConnection& db, const std::string& group,
    const std::vector<std::pair<std::string, int32_t>>& partitions) {
  using Out = std::vector<std::pair<std::string, int32_t>>;
  return InTransaction(db, Retry::kYes, [&]() -> Result<Out> {
    SLUICE_ASSIGN_OR_RETURN(PgResult res, db.Exec("SELECT DISTINCT topic_name, partition_id FROM "
                                                  "txn_pending_offsets WHERE group_id = $1",
                                                  {group}));
    std::set<std::pair<std::string, int32_t>> pending;
    for (int r = 0; r < res.rows(); ++r) {
      SLUICE_ASSIGN_OR_RETURN(const int32_t partition, Int32At(res, r, 1));
      pending.emplace(res.Text(r, 0), partition);
    }
    Out out;
    for (const auto& p : partitions) {
      if (pending.count(p) > 0) out.push_back(p);
    }
    return out;
  });
}

Result<int32_t> ExpireIdsNow(PgConnection& db, int64_t idle_before_ms) {
  return InTransaction(db, Retry::kYes, [&]() -> Result<int32_t> {
    // Locked in producer id order (the lock order); a row that became Ongoing while we waited
    // is re-checked by the lock and skipped.
    SLUICE_ASSIGN_OR_RETURN(
        PgResult res,
        db.Exec("SELECT transactional_id, producer_id FROM transactions WHERE state <> $1 AND "
                "updated_ms < $2 ORDER BY producer_id FOR UPDATE",
                {std::string(txn::TxnStateName(txn::TxnState::kOngoing)), idle_before_ms}));
    for (int r = 0; r < res.rows(); ++r) {
      SLUICE_ASSIGN_OR_RETURN(const int64_t producer_id, res.Int(r, 1));
      SLUICE_RETURN_IF_ERROR(
          db.Exec("DELETE FROM transactions WHERE transactional_id = $1", {res.Text(r, 0)})
              .status());
      SLUICE_RETURN_IF_ERROR(db.Exec("UPDATE producers SET transactional_id = NULL WHERE "
                                     "producer_id = $1",
                                     {producer_id})
                                 .status());
    }
    return static_cast<int32_t>(res.rows());
  });
}

}  // namespace

Task<Result<InitTxnProducerResult>> PostgresMetadataStore::InitTransactionalProducer(
    InitTxnProducerRequest request, int64_t now_ms) {
  auto work = [request = std::move(request), now_ms](PgConnection& db) {
    return InitNow(db, request, now_ms);
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<std::vector<int16_t>>> PostgresMetadataStore::AddPartitionsToTxn(
    TxnProducer producer, std::vector<std::pair<std::string, int32_t>> partitions, int64_t now_ms) {
  auto work = [producer = std::move(producer), partitions = std::move(partitions), now_ms](
                  PgConnection& db) { return AddPartitionsNow(db, producer, partitions, now_ms); };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<int16_t>> PostgresMetadataStore::AddGroupToTxn(TxnProducer producer, std::string group,
                                                           int64_t now_ms) {
  auto work = [producer = std::move(producer), group = std::move(group), now_ms](PgConnection& db) {
    return AddGroupNow(db, producer, group, now_ms);
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<int16_t>> PostgresMetadataStore::StageTxnOffsets(
    TxnProducer producer, std::string group,
    std::vector<std::tuple<std::string, int32_t, CommittedOffset>> offsets, int64_t /*now_ms*/) {
  auto work = [producer = std::move(producer), group = std::move(group),
               offsets = std::move(offsets)](PgConnection& db) {
    return StageOffsetsNow(db, producer, group, offsets);
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<EndTxnResult>> PostgresMetadataStore::EndTransaction(TxnProducer producer, bool commit,
                                                                 int64_t now_ms) {
  auto work = [producer = std::move(producer), commit, now_ms](PgConnection& db) {
    return EndNow(db, producer, commit, now_ms);
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<std::vector<ExpiredTxnAbort>>> PostgresMetadataStore::AbortExpiredTransactions(
    int64_t now_ms, int32_t limit) {
  auto work = [now_ms, limit](PgConnection& db) { return AbortExpiredNow(db, now_ms, limit); };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<std::vector<TxnDescription>>> PostgresMetadataStore::DescribeTransactions(
    std::vector<std::string> transactional_ids) {
  auto work = [ids = std::move(transactional_ids)](PgConnection& db) {
    return DescribeNow(db, ids);
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<std::vector<TxnListing>>> PostgresMetadataStore::ListTransactions() {
  auto work = [](PgConnection& db) { return ListNow(db); };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<std::vector<AbortedTxn>>> PostgresMetadataStore::FindAbortedTransactions(
    std::string topic, int32_t partition, int64_t from_offset, int64_t to_offset) {
  auto work = [topic = std::move(topic), partition, from_offset, to_offset](PgConnection& db) {
    return FindAbortedNow(db, topic, partition, from_offset, to_offset);
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<std::vector<std::pair<std::string, int32_t>>>> PostgresMetadataStore::PendingTxnOffsets(
    std::string group, std::vector<std::pair<std::string, int32_t>> partitions) {
  auto work = [group = std::move(group), partitions = std::move(partitions)](PgConnection& db) {
    return PendingOffsetsNow(db, group, partitions);
  };
  co_return co_await pool_->Run(std::move(work));
}

Task<Result<int32_t>> PostgresMetadataStore::ExpireTransactionalIds(int64_t idle_before_ms) {
  auto work = [idle_before_ms](PgConnection& db) { return ExpireIdsNow(db, idle_before_ms); };
  co_return co_await pool_->Run(std::move(work));
}

}  // namespace sluice::metadata
