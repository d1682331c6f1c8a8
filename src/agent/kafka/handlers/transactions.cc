// Transaction coordinator APIs (KIP-98): AddPartitionsToTxn, AddOffsetsToTxn, EndTxn,
// DescribeTransactions, ListTransactions. Any agent answers them directly against the metadata
// store, which serialises a transactional id's changes (docs/design-transactions.md; no
// coordinator ownership in this first version, so coordinator_epoch is always 0).
#include <algorithm>
#include <set>

#include "agent/kafka/handlers/handlers.h"

namespace sluice::agent {

namespace {

// Kafka's state names a ListTransactions filter may use (we store only four of them).
const std::set<std::string>& KnownTxnStates() {
  static const std::set<std::string> states = {"Empty",        "Ongoing",          "PrepareCommit",
                                               "PrepareAbort", "CompleteCommit",   "CompleteAbort",
                                               "Dead",         "PrepareEpochFence"};
  return states;
}

metadata::TxnProducer Producer(const std::string& id, int64_t producer_id, int16_t epoch) {
  return metadata::TxnProducer{
      .transactional_id = id, .producer_id = producer_id, .producer_epoch = epoch};
}

void ReportMarkers(KafkaServices& s, const std::vector<metadata::WrittenMarker>& markers) {
  if (!markers.empty() && s.markers_written) s.markers_written(markers);
}

}  // namespace

int16_t TxnErrorForVersion(int16_t error, int16_t version, int16_t first_version_with_fenced) {
  if (error == Code(ErrorCode::kProducerFenced) && version < first_version_with_fenced) {
    return Code(ErrorCode::kInvalidProducerEpoch);
  }
  return error;
}

Task<AddPartitionsToTxnResponse> HandleAddPartitionsToTxn(KafkaServices& s, RequestContext ctx,
                                                          AddPartitionsToTxnRequest req) {
  std::vector<std::pair<std::string, int32_t>> partitions;
  for (const auto& topic : req.topics) {
    for (int32_t p : topic.partitions) partitions.emplace_back(topic.name, p);
  }
  auto codes = co_await s.store.AddPartitionsToTxn(
      Producer(req.transactional_id, req.producer_id, req.producer_epoch), partitions,
      s.clock.NowMs());
  const bool failed = !codes.ok() || codes->size() != partitions.size();
  AddPartitionsToTxnResponse response;
  size_t i = 0;
  for (const auto& topic : req.topics) {
    auto& topic_out = response.results_by_topic.emplace_back();
    topic_out.name = topic.name;
    for (int32_t p : topic.partitions) {
      auto& out = topic_out.results_by_partition.emplace_back();
      out.partition_index = p;
      out.partition_error_code = failed ? Code(ErrorCode::kCoordinatorNotAvailable)
                                        : TxnErrorForVersion((*codes)[i], ctx.api_version, 2);
      ++i;
    }
  }
  co_return response;
}

Task<AddOffsetsToTxnResponse> HandleAddOffsetsToTxn(KafkaServices& s, RequestContext ctx,
                                                    AddOffsetsToTxnRequest req) {
  auto code = co_await s.store.AddGroupToTxn(
      Producer(req.transactional_id, req.producer_id, req.producer_epoch), req.group_id,
      s.clock.NowMs());
  AddOffsetsToTxnResponse response;
  response.error_code = code.ok() ? TxnErrorForVersion(*code, ctx.api_version, 2)
                                  : Code(ErrorCode::kCoordinatorNotAvailable);
  co_return response;
}

Task<EndTxnResponse> HandleEndTxn(KafkaServices& s, RequestContext ctx, EndTxnRequest req) {
  auto result = co_await s.store.EndTransaction(
      Producer(req.transactional_id, req.producer_id, req.producer_epoch), req.committed,
      s.clock.NowMs());
  EndTxnResponse response;
  if (!result.ok()) {
    response.error_code = Code(ErrorCode::kCoordinatorNotAvailable);
    co_return response;
  }
  ReportMarkers(s, result->markers);
  response.error_code = TxnErrorForVersion(result->error_code, ctx.api_version, 2);
  co_return response;
}

Task<DescribeTransactionsResponse> HandleDescribeTransactions(KafkaServices& s, RequestContext,
                                                              DescribeTransactionsRequest req) {
  DescribeTransactionsResponse response;
  auto described = co_await s.store.DescribeTransactions(req.transactional_ids);
  const bool failed = !described.ok() || described->size() != req.transactional_ids.size();
  for (size_t i = 0; i < req.transactional_ids.size(); ++i) {
    auto& out = response.transaction_states.emplace_back();
    out.transactional_id = req.transactional_ids[i];
    out.producer_id = -1;
    out.producer_epoch = -1;
    out.transaction_start_time_ms = -1;
    if (failed) {
      out.error_code = Code(ErrorCode::kCoordinatorNotAvailable);
      continue;
    }
    const metadata::TxnDescription& d = (*described)[i];
    out.error_code = d.error_code;
    if (d.error_code != 0) continue;
    out.transaction_state = d.state;
    out.transaction_timeout_ms = d.timeout_ms;
    out.transaction_start_time_ms = d.start_time_ms;
    out.producer_id = d.producer_id;
    out.producer_epoch = d.producer_epoch;
    for (const auto& [topic, partition] : d.partitions) {  // sorted by topic
      if (out.topics.empty() || out.topics.back().topic != topic) {
        out.topics.emplace_back().topic = topic;
      }
      out.topics.back().partitions.push_back(partition);
    }
  }
  co_return response;
}

// Admin clients ask every broker and concatenate the answers, so exactly one agent lists: the
// live agent with the lowest node id (no coordinator ownership yet, txn-plan §1).
bool ListsTransactions(const ClusterView& cluster) {
  const int32_t self = cluster.Self().node_id;
  auto live = cluster.LiveAgents();
  if (!live) return true;
  return std::none_of(live->begin(), live->end(),
                      [&](const metadata::AgentRecord& a) { return a.node_id < self; });
}

Task<ListTransactionsResponse> HandleListTransactions(KafkaServices& s, RequestContext ctx,
                                                      ListTransactionsRequest req) {
  ListTransactionsResponse response;
  std::set<std::string> states;
  for (const auto& state : req.state_filters) {
    if (KnownTxnStates().count(state)) {
      states.insert(state);
    } else {
      response.unknown_state_filters.push_back(state);
    }
  }
  if (!ListsTransactions(s.cluster)) co_return response;
  auto listed = co_await s.store.ListTransactions();
  if (!listed.ok()) {
    response.error_code = Code(ErrorCode::kCoordinatorNotAvailable);
    co_return response;
  }
  const std::set<int64_t> producers(req.producer_id_filters.begin(), req.producer_id_filters.end());
  std::vector<std::string> ids;
  for (const auto& t : *listed) {
    if (!req.state_filters.empty() && !states.count(t.state)) continue;
    if (!producers.empty() && !producers.count(t.producer_id)) continue;
    auto& out = response.transaction_states.emplace_back();
    out.transactional_id = t.transactional_id;
    out.producer_id = t.producer_id;
    out.transaction_state = t.state;
    ids.push_back(t.transactional_id);
  }
  // v1 (KIP-994): only transactions running longer than duration_filter ms (Ongoing ones: the
  // others have no running time).
  if (ctx.api_version >= 1 && req.duration_filter >= 0 && !ids.empty()) {
    auto described = co_await s.store.DescribeTransactions(ids);
    if (!described.ok() || described->size() != ids.size()) {
      response.transaction_states.clear();
      response.error_code = Code(ErrorCode::kCoordinatorNotAvailable);
      co_return response;
    }
    const int64_t started_before = s.clock.NowMs() - req.duration_filter;
    std::vector<ListTransactionsResponse::TransactionState> kept;
    for (size_t i = 0; i < ids.size(); ++i) {
      const auto& d = (*described)[i];
      if (d.state == "Ongoing" && d.start_time_ms >= 0 && d.start_time_ms <= started_before) {
        kept.push_back(std::move(response.transaction_states[i]));
      }
    }
    response.transaction_states = std::move(kept);
  }
  co_return response;
}

}  // namespace sluice::agent
