#include "cli/kafka_queries.h"

#include <algorithm>

#include "client/kafka_error.h"
#include "protocol/messages/find_coordinator.h"
#include "protocol/messages/list_offsets.h"

namespace sluice::cli {

Result<protocol::MetadataResponse> GetMetadata(client::KafkaClient& client,
                                               const std::vector<std::string>& topics) {
  protocol::MetadataRequest request;
  request.allow_auto_topic_creation = false;
  if (topics.empty()) {
    request.topics.reset();  // null: every topic (v1+)
  } else {
    for (const auto& name : topics) {
      protocol::MetadataRequest::MetadataRequestTopic t;
      t.name = name;
      request.topics->push_back(std::move(t));
    }
  }
  // v1+ so that a null list means "all topics"; v4+ so that nothing is auto-created.
  SLUICE_ASSIGN_OR_RETURN(auto response, client.Call<protocol::MetadataResponse>(
                                             request, protocol::MetadataRequest::kMaxVersion, 4));
  for (const auto& t : response.topics) {
    SLUICE_RETURN_IF_ERROR(client::KafkaError(t.error_code, "topic " + t.name.value_or("")));
  }
  return response;
}

Result<std::vector<int32_t>> TopicPartitionIds(client::KafkaClient& client,
                                               const std::string& topic) {
  SLUICE_ASSIGN_OR_RETURN(auto metadata, GetMetadata(client, {topic}));
  for (const auto& t : metadata.topics) {
    if (t.name != topic) continue;
    std::vector<int32_t> ids;
    for (const auto& p : t.partitions) ids.push_back(p.partition_index);
    std::sort(ids.begin(), ids.end());
    return ids;
  }
  return Status::NotFound("topic " + topic + ": UNKNOWN_TOPIC_OR_PARTITION (3)");
}

Result<std::map<int32_t, int64_t>> ListOffsets(client::KafkaClient& client,
                                               const std::string& topic,
                                               const std::vector<int32_t>& partitions,
                                               int64_t timestamp) {
  protocol::ListOffsetsRequest request;
  request.replica_id = -1;
  protocol::ListOffsetsRequest::ListOffsetsTopic t;
  t.name = topic;
  for (int32_t p : partitions) {
    protocol::ListOffsetsRequest::ListOffsetsPartition lp;
    lp.partition_index = p;
    lp.timestamp = timestamp;
    t.partitions.push_back(lp);
  }
  request.topics.push_back(std::move(t));
  // v1+: one offset per partition instead of v0's offset arrays.
  SLUICE_ASSIGN_OR_RETURN(auto response,
                          client.Call<protocol::ListOffsetsResponse>(
                              request, protocol::ListOffsetsRequest::kMaxVersion, 1));
  std::map<int32_t, int64_t> out;
  for (const auto& rt : response.topics) {
    for (const auto& rp : rt.partitions) {
      SLUICE_RETURN_IF_ERROR(client::KafkaError(
          rp.error_code, "topic " + rt.name + " partition " + std::to_string(rp.partition_index)));
      out[rp.partition_index] = rp.offset;
    }
  }
  return out;
}

Result<client::KafkaClient> ConnectToGroupCoordinator(client::KafkaClient& client,
                                                      const std::string& group) {
  protocol::FindCoordinatorRequest request;
  request.key = group;
  request.key_type = 0;
  // v0-v3 carry one key; v4 switched to a list.
  SLUICE_ASSIGN_OR_RETURN(auto response,
                          client.Call<protocol::FindCoordinatorResponse>(request, 3));
  SLUICE_RETURN_IF_ERROR(client::KafkaError(response.error_code, "coordinator of group " + group,
                                            response.error_message));
  client::Endpoint coordinator{response.host, static_cast<uint16_t>(response.port)};
  // The agent we reached may forward group requests itself, but asking the coordinator directly
  // is what every Kafka client does.
  return client.ConnectTo(coordinator);
}

}  // namespace sluice::cli
