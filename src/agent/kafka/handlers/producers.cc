// InitProducerId (idempotent producers; the sequence checks run inside the commit) and
// OffsetForLeaderEpoch (Sluice has one leader epoch, 0, for every partition).
#include "agent/kafka/handlers/handlers.h"

namespace sluice::agent {

namespace {

// With a transactional id (KIP-98): the store bumps the epoch, aborting an open transaction of
// the id first; v3+ lets a producer that knows its id recover its epoch (KIP-360).
Task<InitProducerIdResponse> InitTransactionalProducer(KafkaServices& s, const RequestContext& ctx,
                                                       InitProducerIdRequest req) {
  InitProducerIdResponse response;
  if (req.transaction_timeout_ms <= 0 ||
      req.transaction_timeout_ms > s.settings.transaction_max_timeout_ms) {
    response.error_code = Code(ErrorCode::kInvalidTransactionTimeout);
    co_return response;
  }
  metadata::InitTxnProducerRequest init;
  init.transactional_id = *req.transactional_id;
  init.transaction_timeout_ms = req.transaction_timeout_ms;
  init.producer_id = req.producer_id;
  init.producer_epoch = req.producer_epoch;
  auto result = co_await s.store.InitTransactionalProducer(std::move(init), s.clock.NowMs());
  if (!result.ok()) {
    response.error_code = Code(ErrorCode::kCoordinatorNotAvailable);  // retriable
    co_return response;
  }
  if (!result->markers.empty() && s.markers_written) s.markers_written(result->markers);
  // PRODUCER_FENCED exists from InitProducerId v4 on (design §2).
  response.error_code = TxnErrorForVersion(result->error_code, ctx.api_version, 4);
  if (response.error_code == 0) {
    response.producer_id = result->producer_id;
    response.producer_epoch = result->producer_epoch;
  }
  co_return response;
}

}  // namespace

Task<InitProducerIdResponse> HandleInitProducerId(KafkaServices& s, RequestContext ctx,
                                                  InitProducerIdRequest req) {
  InitProducerIdResponse response;
  // KIP-360: an idempotent producer that knows its id asks for a bumped epoch; a new epoch
  // restarts sequences at 0, which the commit enforces.
  if (!req.transactional_id && req.producer_id >= 0 && req.producer_epoch >= 0 &&
      req.producer_epoch < INT16_MAX - 1) {
    response.producer_id = req.producer_id;
    response.producer_epoch = static_cast<int16_t>(req.producer_epoch + 1);
    co_return response;
  }
  if (req.transactional_id) {
    co_return co_await InitTransactionalProducer(s, ctx, std::move(req));
  }
  auto allocated = co_await s.store.AllocateProducerId(req.transactional_id);
  if (!allocated.ok()) {
    response.error_code = Code(ErrorCode::kCoordinatorNotAvailable);  // retriable
    co_return response;
  }
  response.producer_id = allocated->producer_id;
  response.producer_epoch = allocated->producer_epoch;
  co_return response;
}

Task<OffsetForLeaderEpochResponse> HandleOffsetForLeaderEpoch(KafkaServices& s, RequestContext,
                                                              OffsetForLeaderEpochRequest req) {
  OffsetForLeaderEpochResponse response;
  for (const auto& topic : req.topics) {
    OffsetForLeaderEpochResponse::OffsetForLeaderTopicResult topic_out;
    topic_out.topic = topic.topic;
    for (const auto& p : topic.partitions) {
      OffsetForLeaderEpochResponse::EpochEndOffset out;
      out.partition = p.partition;
      auto offsets = co_await s.topics.Offsets(topic.topic, p.partition);
      if (!offsets.ok()) {
        out.error_code = Code(ErrorCode::kUnknownTopicOrPartition);
      } else if (p.leader_epoch > 0) {
        // An epoch we never had: Kafka answers "undefined" so the client does not truncate.
        out.leader_epoch = -1;
        out.end_offset = -1;
      } else {
        out.leader_epoch = 0;
        out.end_offset = offsets->high_watermark;
      }
      topic_out.partitions.push_back(std::move(out));
    }
    response.topics.push_back(std::move(topic_out));
  }
  co_return response;
}

}  // namespace sluice::agent
