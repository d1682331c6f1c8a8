// DeleteRecords: advances partitions' log start offsets on demand (kafka-delete-records,
// AdminClient.deleteRecords). Offset -1 means "up to the high watermark". The index rows of
// batches entirely below the new start are dropped in the same transaction; the deletion job
// later removes objects left without chunks (docs/jobs.md).
#include "agent/kafka/handlers/handlers.h"

namespace sluice::agent {

Task<DeleteRecordsResponse> HandleDeleteRecords(KafkaServices& s, RequestContext,
                                                DeleteRecordsRequest req) {
  DeleteRecordsResponse response;
  for (const auto& topic : req.topics) {
    DeleteRecordsResponse::DeleteRecordsTopicResult topic_out;
    topic_out.name = topic.name;
    for (const auto& p : topic.partitions) {
      DeleteRecordsResponse::DeleteRecordsPartitionResult out;
      out.partition_index = p.partition_index;
      out.low_watermark = -1;
      auto advanced = co_await s.store.AdvanceLogStartOffset(topic.name, p.partition_index,
                                                             p.offset, s.clock.NowMs());
      if (advanced.ok()) {
        out.low_watermark = *advanced;
        // This agent's view of the partition moves at once; others re-read within their TTL.
        s.topics.Advance(topic.name, p.partition_index,
                         {.log_start_offset = *advanced, .last_abort_offset = std::nullopt});
      } else if (advanced.status().code() == StatusCode::kNotFound) {
        out.error_code = Code(ErrorCode::kUnknownTopicOrPartition);
      } else if (advanced.status().code() == StatusCode::kInvalidArgument) {
        out.error_code = Code(ErrorCode::kOffsetOutOfRange);
      } else {
        out.error_code = Code(ErrorCode::kRequestTimedOut);  // retriable: the store failed
      }
      topic_out.partitions.push_back(out);
    }
    response.topics.push_back(std::move(topic_out));
  }
  co_return response;
}

}  // namespace sluice::agent
