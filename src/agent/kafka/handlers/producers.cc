// InitProducerId (idempotent producers; the sequence checks run inside the commit) and
// OffsetForLeaderEpoch (Sluice has one leader epoch, 0, for every partition).
#include "agent/kafka/handlers/handlers.h"

namespace sluice::agent {

Task<InitProducerIdResponse> HandleInitProducerId(KafkaServices& s, RequestContext,
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
