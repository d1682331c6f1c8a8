// SqliteMetadataStore: the transaction calls (KIP-98, docs/design-transactions.md §5-7). Every
// call is one SQLite transaction; the decisions come from txn_rules.h, shared with PostgreSQL.
#include <algorithm>

#include "metadata/sqlite_metadata_store.h"
#include "metadata/sqlite_store_util.h"
#include "metadata/txn_rules.h"

namespace sluice::metadata {

namespace {

using txn::TxnRow;
using txn::TxnState;

struct LoadedTxn {
  TxnRow row;
  int64_t timeout_ms = 0;
};

Result<std::optional<LoadedTxn>> LoadTxn(SqliteDb& db, const std::string& transactional_id) {
  SLUICE_ASSIGN_OR_RETURN(
      Statement st,
      db.Prepare("SELECT t.producer_id, p.producer_epoch, t.last_producer_epoch, t.state, "
                 "t.timeout_ms FROM transactions t JOIN producers p ON p.producer_id = "
                 "t.producer_id WHERE t.transactional_id = ?1"));
  st.Bind(1, transactional_id);
  SLUICE_ASSIGN_OR_RETURN(bool found, st.Step());
  if (!found) return std::optional<LoadedTxn>();
  std::optional<TxnState> state = txn::ParseTxnState(st.Text(3));
  if (!state) return Status::Corruption("transaction state '" + st.Text(3) + "' is unknown");
  LoadedTxn t;
  t.row =
      TxnRow{st.Int(0), static_cast<int16_t>(st.Int(1)), static_cast<int16_t>(st.Int(2)), *state};
  t.timeout_ms = st.Int(4);
  return std::optional<LoadedTxn>(t);
}

std::optional<TxnRow> RowOf(const std::optional<LoadedTxn>& t) {
  return t ? std::optional<TxnRow>(t->row) : std::nullopt;
}

// A fresh producer id at epoch 0 owned by the transactional id (its former id forgets it).
Result<int64_t> NewTransactionalProducerId(SqliteDb& db, const std::string& transactional_id,
                                           int64_t now_ms) {
  SLUICE_ASSIGN_OR_RETURN(
      Statement forget,
      db.Prepare("UPDATE producers SET transactional_id = NULL WHERE transactional_id = ?1"));
  SLUICE_RETURN_IF_ERROR(forget.Bind(1, transactional_id).Run());
  SLUICE_ASSIGN_OR_RETURN(
      Statement next,
      db.Prepare("SELECT next_producer_id FROM producer_id_block WHERE singleton = 1"));
  SLUICE_ASSIGN_OR_RETURN(bool has, next.Step());
  if (!has) return Status::Internal("producer_id_block row is missing");
  const int64_t id = next.Int(0);
  SLUICE_ASSIGN_OR_RETURN(
      Statement advance,
      db.Prepare("UPDATE producer_id_block SET next_producer_id = ?1 WHERE singleton = 1"));
  SLUICE_RETURN_IF_ERROR(advance.Bind(1, id + 1).Run());
  SLUICE_ASSIGN_OR_RETURN(Statement insert,
                          db.Prepare("INSERT INTO producers (producer_id, producer_epoch, "
                                     "transactional_id, created_ms) VALUES (?1, 0, ?2, ?3)"));
  SLUICE_RETURN_IF_ERROR(insert.Bind(1, id).Bind(2, transactional_id).Bind(3, now_ms).Run());
  return id;
}

Status SetEpoch(SqliteDb& db, int64_t producer_id, int16_t epoch) {
  SLUICE_ASSIGN_OR_RETURN(
      Statement st, db.Prepare("UPDATE producers SET producer_epoch = ?1 WHERE producer_id = ?2"));
  return st.Bind(1, epoch).Bind(2, producer_id).Run();
}

Status SetState(SqliteDb& db, const std::string& transactional_id, TxnState state, int64_t now_ms) {
  SLUICE_ASSIGN_OR_RETURN(
      Statement st, db.Prepare("UPDATE transactions SET state = ?1, started_ms = -1, deadline_ms "
                               "= NULL, updated_ms = ?2 WHERE transactional_id = ?3"));
  return st.Bind(1, std::string(txn::TxnStateName(state)))
      .Bind(2, now_ms)
      .Bind(3, transactional_id)
      .Run();
}

// Ongoing → Ongoing is a no-op; any other state starts a transaction with a deadline.
Status StartIfNeeded(SqliteDb& db, const std::string& transactional_id, const LoadedTxn& t,
                     int64_t now_ms) {
  if (!txn::StartsTransaction(t.row.state)) return Status::Ok();
  SLUICE_ASSIGN_OR_RETURN(
      Statement st, db.Prepare("UPDATE transactions SET state = 'Ongoing', started_ms = ?1, "
                               "deadline_ms = ?2, updated_ms = ?1 WHERE transactional_id = ?3"));
  return st.Bind(1, now_ms).Bind(2, now_ms + t.timeout_ms).Bind(3, transactional_id).Run();
}

struct TxnPartition {
  Bytes topic_id;
  std::string topic;
  int32_t partition = 0;
  int64_t first_offset = -1;
};

}  // namespace

// The LSO: the lowest first offset of an open transaction on the partition, else the high
// watermark; never below the log start.
Result<int64_t> SqliteLastStableOffset(SqliteDb& db, ByteView topic_id, int32_t partition,
                                       int64_t log_start_offset, int64_t high_watermark) {
  SLUICE_ASSIGN_OR_RETURN(
      Statement st,
      db.Prepare("SELECT MIN(first_offset) FROM txn_partitions WHERE topic_id = ?1 AND "
                 "partition_id = ?2 AND first_offset IS NOT NULL"));
  st.Bind(1, topic_id).Bind(2, partition);
  SLUICE_ASSIGN_OR_RETURN(bool has, st.Step());
  int64_t lso = high_watermark;
  if (has && !st.IsNull(0)) lso = std::min(high_watermark, st.Int(0));
  return std::max(lso, log_start_offset);
}

// Writes a marker on every partition the transaction wrote to (first_offset set), at the high
// watermark, in (topic, partition) order; moves (commit) or drops its staged offsets and forgets
// its partitions and groups. The caller sets the state.
Result<std::vector<WrittenMarker>> SqliteWriteTxnMarkers(SqliteDb& db,
                                                         const std::string& transactional_id,
                                                         int64_t producer_id, int16_t epoch,
                                                         bool commit, int64_t now_ms) {
  std::vector<TxnPartition> parts;
  {
    SLUICE_ASSIGN_OR_RETURN(
        Statement st,
        db.Prepare("SELECT tp.topic_id, t.name, tp.partition_id, tp.first_offset FROM "
                   "txn_partitions tp JOIN topics t ON t.topic_id = tp.topic_id WHERE "
                   "tp.transactional_id = ?1 AND tp.first_offset IS NOT NULL ORDER BY t.name, "
                   "tp.partition_id"));
    st.Bind(1, transactional_id);
    while (true) {
      SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      parts.push_back({st.Blob(0), st.Text(1), static_cast<int32_t>(st.Int(2)), st.Int(3)});
    }
  }
  std::vector<WrittenMarker> written;
  for (const TxnPartition& p : parts) {
    const ByteView topic_id(p.topic_id);
    SLUICE_ASSIGN_OR_RETURN(Statement read,
                            db.Prepare("SELECT log_start_offset, high_watermark FROM partitions "
                                       "WHERE topic_id = ?1 AND partition_id = ?2"));
    read.Bind(1, topic_id).Bind(2, p.partition);
    SLUICE_ASSIGN_OR_RETURN(bool found, read.Step());
    if (!found) continue;  // the partition's topic was deleted
    WrittenMarker m;
    m.topic = p.topic;
    m.partition = p.partition;
    m.log_start_offset = read.Int(0);
    m.marker_offset = read.Int(1);
    m.high_watermark = m.marker_offset + 1;
    SLUICE_ASSIGN_OR_RETURN(
        Statement insert,
        db.Prepare("INSERT INTO txn_markers (topic_id, partition_id, marker_offset, producer_id, "
                   "producer_epoch, committed, coordinator_epoch, first_offset, timestamp_ms) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8)"));
    SLUICE_RETURN_IF_ERROR(insert.Bind(1, topic_id)
                               .Bind(2, p.partition)
                               .Bind(3, m.marker_offset)
                               .Bind(4, producer_id)
                               .Bind(5, epoch)
                               .Bind(6, commit ? 1 : 0)
                               .Bind(7, p.first_offset)
                               .Bind(8, now_ms)
                               .Run());
    SLUICE_ASSIGN_OR_RETURN(
        Statement advance,
        db.Prepare("UPDATE partitions SET high_watermark = ?1, last_abort_offset = CASE WHEN ?2 "
                   "THEN last_abort_offset ELSE ?3 END WHERE topic_id = ?4 AND partition_id = ?5"));
    SLUICE_RETURN_IF_ERROR(advance.Bind(1, m.high_watermark)
                               .Bind(2, commit ? 1 : 0)
                               .Bind(3, m.marker_offset)
                               .Bind(4, topic_id)
                               .Bind(5, p.partition)
                               .Run());
    written.push_back(std::move(m));
  }
  if (commit) {
    SLUICE_ASSIGN_OR_RETURN(
        Statement move,
        db.Prepare("INSERT INTO committed_offsets (group_id, topic_name, partition_id, "
                   "committed_offset, leader_epoch, metadata, commit_time_ms) SELECT group_id, "
                   "topic_name, partition_id, committed_offset, leader_epoch, metadata, "
                   "commit_time_ms FROM txn_pending_offsets WHERE transactional_id = ?1 AND true "
                   "ON CONFLICT (group_id, topic_name, partition_id) DO UPDATE SET "
                   "committed_offset = excluded.committed_offset, leader_epoch = "
                   "excluded.leader_epoch, metadata = excluded.metadata, commit_time_ms = "
                   "excluded.commit_time_ms"));
    SLUICE_RETURN_IF_ERROR(move.Bind(1, transactional_id).Run());
  }
  for (const char* sql : {"DELETE FROM txn_pending_offsets WHERE transactional_id = ?1",
                          "DELETE FROM txn_groups WHERE transactional_id = ?1",
                          "DELETE FROM txn_partitions WHERE transactional_id = ?1"}) {
    SLUICE_ASSIGN_OR_RETURN(Statement st, db.Prepare(sql));
    SLUICE_RETURN_IF_ERROR(st.Bind(1, transactional_id).Run());
  }
  for (size_t i = 0; i < written.size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(
        written[i].last_stable_offset,
        SqliteLastStableOffset(db, ByteView(parts[i].topic_id), written[i].partition,
                               written[i].log_start_offset, written[i].high_watermark));
  }
  return written;
}

Result<InitTxnProducerResult> SqliteMetadataStore::InitTransactionalProducerNow(
    const InitTxnProducerRequest& request, int64_t now_ms) {
  if (request.transactional_id.empty()) {
    return Status::InvalidArgument("transactional id is empty");
  }
  if (request.transaction_timeout_ms <= 0) {
    InitTxnProducerResult r;
    r.error_code = txn::kInvalidTransactionTimeout;
    return r;
  }
  return db_->InTransaction([&]() -> Result<InitTxnProducerResult> {
    SqliteDb& db = *db_;
    const std::string& tid = request.transactional_id;
    SLUICE_ASSIGN_OR_RETURN(std::optional<LoadedTxn> t, LoadTxn(db, tid));
    txn::InitDecision d = txn::DecideInit(RowOf(t), request.producer_id, request.producer_epoch);
    InitTxnProducerResult result;
    if (d.error_code != txn::kNone) {
      result.error_code = d.error_code;
      return result;
    }
    if (d.abort_ongoing) {
      SLUICE_ASSIGN_OR_RETURN(
          result.markers,
          SqliteWriteTxnMarkers(db, tid, t->row.producer_id, d.abort_marker_epoch, false, now_ms));
    }
    if (d.new_producer_id) {
      SLUICE_ASSIGN_OR_RETURN(result.producer_id, NewTransactionalProducerId(db, tid, now_ms));
      result.producer_epoch = 0;
    } else {
      SLUICE_RETURN_IF_ERROR(SetEpoch(db, t->row.producer_id, d.new_epoch));
      result.producer_id = t->row.producer_id;
      result.producer_epoch = d.new_epoch;
    }
    SLUICE_ASSIGN_OR_RETURN(
        Statement upsert,
        db.Prepare("INSERT INTO transactions (transactional_id, producer_id, last_producer_epoch, "
                   "state, timeout_ms, started_ms, deadline_ms, updated_ms) VALUES (?1, ?2, -1, "
                   "'Empty', ?3, -1, NULL, ?4) ON CONFLICT (transactional_id) DO UPDATE SET "
                   "producer_id = excluded.producer_id, last_producer_epoch = -1, state = "
                   "'Empty', timeout_ms = excluded.timeout_ms, started_ms = -1, deadline_ms = "
                   "NULL, updated_ms = excluded.updated_ms"));
    SLUICE_RETURN_IF_ERROR(upsert.Bind(1, tid)
                               .Bind(2, result.producer_id)
                               .Bind(3, request.transaction_timeout_ms)
                               .Bind(4, now_ms)
                               .Run());
    return result;
  });
}

Result<std::vector<int16_t>> SqliteMetadataStore::AddPartitionsToTxnNow(
    const TxnProducer& producer, const std::vector<std::pair<std::string, int32_t>>& partitions,
    int64_t now_ms) {
  return db_->InTransaction([&]() -> Result<std::vector<int16_t>> {
    SqliteDb& db = *db_;
    SLUICE_ASSIGN_OR_RETURN(std::optional<LoadedTxn> t, LoadTxn(db, producer.transactional_id));
    const int16_t check = txn::CheckCall(RowOf(t), producer.producer_id, producer.producer_epoch,
                                         txn::TxnCall::kAddPartitions);
    if (check != txn::kNone) return std::vector<int16_t>(partitions.size(), check);
    // All or nothing: resolve every partition before adding any.
    std::vector<Bytes> ids(partitions.size());
    std::vector<int16_t> codes(partitions.size(), txn::kNone);
    bool unknown = false;
    for (size_t i = 0; i < partitions.size(); ++i) {
      SLUICE_ASSIGN_OR_RETURN(Statement st,
                              db.Prepare("SELECT t.topic_id FROM topics t JOIN partitions p ON "
                                         "p.topic_id = t.topic_id WHERE t.name = ?1 AND "
                                         "p.partition_id = ?2"));
      st.Bind(1, partitions[i].first).Bind(2, partitions[i].second);
      SLUICE_ASSIGN_OR_RETURN(bool found, st.Step());
      if (found) {
        ids[i] = st.Blob(0);
      } else {
        codes[i] = txn::kUnknownTopicOrPartition;
        unknown = true;
      }
    }
    if (unknown) {
      for (int16_t& c : codes) {
        if (c == txn::kNone) c = txn::kOperationNotAttempted;
      }
      return codes;
    }
    SLUICE_RETURN_IF_ERROR(StartIfNeeded(db, producer.transactional_id, *t, now_ms));
    for (size_t i = 0; i < partitions.size(); ++i) {
      SLUICE_ASSIGN_OR_RETURN(
          Statement st,
          db.Prepare("INSERT INTO txn_partitions (transactional_id, topic_id, partition_id, "
                     "first_offset) VALUES (?1, ?2, ?3, NULL) ON CONFLICT DO NOTHING"));
      SLUICE_RETURN_IF_ERROR(st.Bind(1, producer.transactional_id)
                                 .Bind(2, ByteView(ids[i]))
                                 .Bind(3, partitions[i].second)
                                 .Run());
    }
    return codes;
  });
}

Result<int16_t> SqliteMetadataStore::AddGroupToTxnNow(const TxnProducer& producer,
                                                      const std::string& group, int64_t now_ms) {
  return db_->InTransaction([&]() -> Result<int16_t> {
    SqliteDb& db = *db_;
    SLUICE_ASSIGN_OR_RETURN(std::optional<LoadedTxn> t, LoadTxn(db, producer.transactional_id));
    const int16_t check = txn::CheckCall(RowOf(t), producer.producer_id, producer.producer_epoch,
                                         txn::TxnCall::kAddGroup);
    if (check != txn::kNone) return check;
    SLUICE_RETURN_IF_ERROR(StartIfNeeded(db, producer.transactional_id, *t, now_ms));
    SLUICE_ASSIGN_OR_RETURN(Statement st,
                            db.Prepare("INSERT INTO txn_groups (transactional_id, group_id) "
                                       "VALUES (?1, ?2) ON CONFLICT DO NOTHING"));
    SLUICE_RETURN_IF_ERROR(st.Bind(1, producer.transactional_id).Bind(2, group).Run());
    return txn::kNone;
  });
}

Result<int16_t> SqliteMetadataStore::StageTxnOffsetsNow(
    const TxnProducer& producer, const std::string& group,
    const std::vector<std::tuple<std::string, int32_t, CommittedOffset>>& offsets) {
  return db_->InTransaction([&]() -> Result<int16_t> {
    SqliteDb& db = *db_;
    SLUICE_ASSIGN_OR_RETURN(std::optional<LoadedTxn> t, LoadTxn(db, producer.transactional_id));
    bool group_added = false;
    {
      SLUICE_ASSIGN_OR_RETURN(Statement st,
                              db.Prepare("SELECT 1 FROM txn_groups WHERE transactional_id = ?1 "
                                         "AND group_id = ?2"));
      st.Bind(1, producer.transactional_id).Bind(2, group);
      SLUICE_ASSIGN_OR_RETURN(group_added, st.Step());
    }
    const int16_t check = txn::CheckCall(RowOf(t), producer.producer_id, producer.producer_epoch,
                                         txn::TxnCall::kStageOffsets, group_added);
    if (check != txn::kNone) return check;
    for (const auto& [topic, partition, offset] : offsets) {
      SLUICE_ASSIGN_OR_RETURN(
          Statement st,
          db.Prepare("INSERT INTO txn_pending_offsets (transactional_id, group_id, topic_name, "
                     "partition_id, committed_offset, leader_epoch, metadata, commit_time_ms) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (transactional_id, "
                     "group_id, topic_name, partition_id) DO UPDATE SET committed_offset = "
                     "excluded.committed_offset, leader_epoch = excluded.leader_epoch, metadata "
                     "= excluded.metadata, commit_time_ms = excluded.commit_time_ms"));
      SLUICE_RETURN_IF_ERROR(st.Bind(1, producer.transactional_id)
                                 .Bind(2, group)
                                 .Bind(3, topic)
                                 .Bind(4, partition)
                                 .Bind(5, offset.offset)
                                 .Bind(6, offset.leader_epoch)
                                 .Bind(7, offset.metadata)
                                 .Bind(8, offset.commit_time_ms)
                                 .Run());
    }
    return txn::kNone;
  });
}

Result<EndTxnResult> SqliteMetadataStore::EndTransactionNow(const TxnProducer& producer,
                                                            bool commit, int64_t now_ms) {
  return db_->InTransaction([&]() -> Result<EndTxnResult> {
    SqliteDb& db = *db_;
    EndTxnResult result;
    SLUICE_ASSIGN_OR_RETURN(std::optional<LoadedTxn> t, LoadTxn(db, producer.transactional_id));
    result.error_code = txn::CheckCall(RowOf(t), producer.producer_id, producer.producer_epoch,
                                       commit ? txn::TxnCall::kEndCommit : txn::TxnCall::kEndAbort);
    if (result.error_code != txn::kNone) return result;
    switch (txn::DecideEndTxn(t->row.state, commit)) {
      case txn::EndTxnAction::kAlreadyDone:
        return result;
      case txn::EndTxnAction::kReject:
        result.error_code = txn::kInvalidTxnState;
        return result;
      case txn::EndTxnAction::kWriteMarkers:
        break;
    }
    SLUICE_ASSIGN_OR_RETURN(
        result.markers, SqliteWriteTxnMarkers(db, producer.transactional_id, producer.producer_id,
                                              producer.producer_epoch, commit, now_ms));
    SLUICE_RETURN_IF_ERROR(SetState(db, producer.transactional_id,
                                    commit ? TxnState::kCompleteCommit : TxnState::kCompleteAbort,
                                    now_ms));
    return result;
  });
}

Task<Result<InitTxnProducerResult>> SqliteMetadataStore::InitTransactionalProducer(
    InitTxnProducerRequest request, int64_t now_ms) {
  auto work = [this, request = std::move(request), now_ms] {
    return InitTransactionalProducerNow(request, now_ms);
  };
  co_return co_await OnDbThread(std::move(work));
}

Task<Result<std::vector<int16_t>>> SqliteMetadataStore::AddPartitionsToTxn(
    TxnProducer producer, std::vector<std::pair<std::string, int32_t>> partitions, int64_t now_ms) {
  auto work = [this, producer = std::move(producer), partitions = std::move(partitions), now_ms] {
    return AddPartitionsToTxnNow(producer, partitions, now_ms);
  };
  co_return co_await OnDbThread(std::move(work));
}

Task<Result<int16_t>> SqliteMetadataStore::AddGroupToTxn(TxnProducer producer, std::string group,
                                                         int64_t now_ms) {
  auto work = [this, producer = std::move(producer), group = std::move(group), now_ms] {
    return AddGroupToTxnNow(producer, group, now_ms);
  };
  co_return co_await OnDbThread(std::move(work));
}

Task<Result<int16_t>> SqliteMetadataStore::StageTxnOffsets(
    TxnProducer producer, std::string group,
    std::vector<std::tuple<std::string, int32_t, CommittedOffset>> offsets, int64_t /*now_ms*/) {
  auto work = [this, producer = std::move(producer), group = std::move(group),
               offsets = std::move(offsets)] {
    return StageTxnOffsetsNow(producer, group, offsets);
  };
  co_return co_await OnDbThread(std::move(work));
}

Task<Result<EndTxnResult>> SqliteMetadataStore::EndTransaction(TxnProducer producer, bool commit,
                                                               int64_t now_ms) {
  auto work = [this, producer = std::move(producer), commit, now_ms] {
    return EndTransactionNow(producer, commit, now_ms);
  };
  co_return co_await OnDbThread(std::move(work));
}

}  // namespace sluice::metadata
