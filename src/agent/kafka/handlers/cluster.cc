// Metadata and DescribeCluster: the brokers are the live agents meant for this client (its target
// role and zone, from the client id), and partition leaders are spread over them. Any agent can
// serve any partition, so "leader" is a routing hint (design.md §1, docs/roles.md).
#include "agent/cluster/routing.h"
#include "agent/kafka/handlers/handlers.h"

namespace sluice::agent {

namespace {

Task<Result<std::optional<metadata::TopicInfo>>> GetOrAutoCreate(KafkaServices& s,
                                                                 const std::string& name,
                                                                 bool allow_create) {
  auto topic = co_await s.topics.Get(name);
  if (!topic.ok() || topic->has_value() || !allow_create) co_return topic;
  auto created = co_await s.store.CreateTopic(name, s.settings.default_num_partitions, {});
  if (!created.ok() && created.status().code() != StatusCode::kAlreadyExists) {
    co_return created.status();
  }
  s.topics.Invalidate(name);
  co_return co_await s.topics.Get(name);
}

MetadataResponse::MetadataResponseTopic DescribeTopic(const ClientRouting& routing,
                                                      const RequestContext& ctx,
                                                      const metadata::TopicInfo& topic) {
  MetadataResponse::MetadataResponseTopic out;
  out.name = topic.name;
  out.topic_id = topic.id;
  for (int32_t p = 0; p < topic.num_partitions; ++p) {
    MetadataResponse::MetadataResponsePartition partition;
    partition.partition_index = p;
    const int32_t leader = LeaderFor(routing.set, topic.name, p, routing.hints, ctx.client_id);
    partition.leader_id = leader;
    partition.leader_epoch = 0;
    partition.replica_nodes = {leader};
    partition.isr_nodes = {leader};
    if (leader < 0) partition.error_code = Code(ErrorCode::kLeaderNotAvailable);
    out.partitions.push_back(std::move(partition));
  }
  return out;
}

}  // namespace

Task<MetadataResponse> HandleMetadata(KafkaServices& s, RequestContext ctx, MetadataRequest req) {
  MetadataResponse response;
  const ClientRouting routing = RouteClient(s.cluster, s.routing_log, ctx.client_id);
  for (const auto& agent : routing.set.brokers) {
    MetadataResponse::MetadataResponseBroker broker;
    broker.node_id = agent.node_id;
    broker.host = agent.agent.host;
    broker.port = agent.agent.kafka_port;
    if (!agent.agent.availability_zone.empty()) broker.rack = agent.agent.availability_zone;
    response.brokers.push_back(std::move(broker));
  }
  response.cluster_id = s.settings.cluster_id;
  response.controller_id = routing.set.brokers.empty() ? -1 : routing.set.brokers.front().node_id;

  // v0: an empty list means all topics; v1+: null means all topics.
  const bool all = !req.topics.has_value() || (ctx.api_version == 0 && req.topics->empty());
  if (all) {
    auto topics = co_await s.topics.All();
    if (topics.ok()) {
      for (const auto& topic : *topics)
        response.topics.push_back(DescribeTopic(routing, ctx, topic));
    }
    co_return response;
  }

  const bool allow_create = s.settings.auto_create_topics && req.allow_auto_topic_creation;
  std::vector<metadata::TopicInfo> by_id;  // loaded lazily for requests naming topic ids
  for (const auto& requested : *req.topics) {
    std::string name = requested.name.value_or("");
    if (!requested.name.has_value()) {
      if (by_id.empty()) {
        auto listed = co_await s.topics.All();
        if (listed.ok()) by_id = std::move(listed).value();
      }
      for (const auto& t : by_id) {
        if (t.id == requested.topic_id) name = t.name;
      }
      if (name.empty()) {
        MetadataResponse::MetadataResponseTopic missing;
        missing.topic_id = requested.topic_id;
        missing.name = std::nullopt;
        missing.error_code = Code(ErrorCode::kUnknownTopicId);
        response.topics.push_back(std::move(missing));
        continue;
      }
    }
    MetadataResponse::MetadataResponseTopic out;
    out.name = name;
    if (!ValidateTopicName(name).ok()) {
      out.error_code = Code(ErrorCode::kInvalidTopicException);
      response.topics.push_back(std::move(out));
      continue;
    }
    auto topic = co_await GetOrAutoCreate(s, name, allow_create);
    if (!topic.ok()) {
      out.error_code = Code(ErrorCode::kLeaderNotAvailable);  // retriable: the store is down
    } else if (!topic->has_value()) {
      out.error_code = Code(ErrorCode::kUnknownTopicOrPartition);
    } else {
      out = DescribeTopic(routing, ctx, **topic);
    }
    response.topics.push_back(std::move(out));
  }
  co_return response;
}

Task<DescribeClusterResponse> HandleDescribeCluster(KafkaServices& s, RequestContext ctx,
                                                    DescribeClusterRequest req) {
  DescribeClusterResponse response;
  response.endpoint_type = req.endpoint_type;
  response.cluster_id = s.settings.cluster_id;
  const ClientRouting routing = RouteClient(s.cluster, s.routing_log, ctx.client_id);
  response.controller_id = routing.set.brokers.empty() ? -1 : routing.set.brokers.front().node_id;
  for (const auto& agent : routing.set.brokers) {
    DescribeClusterResponse::DescribeClusterBroker broker;
    broker.broker_id = agent.node_id;
    broker.host = agent.agent.host;
    broker.port = agent.agent.kafka_port;
    if (!agent.agent.availability_zone.empty()) broker.rack = agent.agent.availability_zone;
    response.brokers.push_back(std::move(broker));
  }
  co_return response;
}

}  // namespace sluice::agent
