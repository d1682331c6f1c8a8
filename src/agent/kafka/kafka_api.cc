#include "agent/kafka/kafka_api.h"

#include <algorithm>
#include <chrono>

#include "agent/kafka/group_forwarder.h"
#include "agent/kafka/handlers/handlers.h"
#include "protocol/api_keys.h"
#include "protocol/header.h"

namespace sluice::agent {

namespace {

// Decodes the body, runs the handler after admission, and encodes the response.
template <typename Request, typename Handler>
Result<network::ResponseTask> Route(KafkaServices& services, const RequestContext& ctx,
                                    Reader& reader, Handler handler) {
  Request request;
  Status decoded = request.Decode(reader, ctx.api_version);
  if (!decoded.ok()) return decoded;
  return [](KafkaServices& services, RequestContext ctx, Request request,
            Handler handler) -> network::ResponseTask {
    auto response = co_await handler(services, ctx, std::move(request));
    co_return EncodeResponse(ctx, response);
  }(services, ctx, std::move(request), handler);
}

// How long a forwarded request may take at the owner: JoinGroup long-polls up to the rebalance
// timeout, SyncGroup until the leader's assignment (bounded by the same timeout, which the
// request does not carry).
constexpr std::chrono::milliseconds kForwardMargin{10000};
std::chrono::milliseconds ForwardTimeout(const JoinGroupRequest& r, int16_t version) {
  const int32_t poll = version >= 1 ? r.rebalance_timeout_ms : r.session_timeout_ms;
  return std::chrono::milliseconds(std::clamp(poll, 0, 30 * 60 * 1000)) + kForwardMargin;
}
std::chrono::milliseconds ForwardTimeout(const SyncGroupRequest&, int16_t) {
  return std::chrono::minutes(10) + kForwardMargin;
}
template <typename Request>
std::chrono::milliseconds ForwardTimeout(const Request&, int16_t) {
  return std::chrono::seconds(30);
}

// A request about one consumer group: handled here when this agent owns the group, forwarded
// (the frame as received) to the owner otherwise. The handler answers NOT_COORDINATOR when the
// group is neither ours nor reachable (forwarded requests are never forwarded again).
template <typename Request, typename Handler>
Result<network::ResponseTask> RouteGroup(KafkaServices& services, const RequestContext& ctx,
                                         Reader& reader, Bytes frame, Handler handler) {
  Request request;
  Status decoded = request.Decode(reader, ctx.api_version);
  if (!decoded.ok()) return decoded;
  return [](KafkaServices& s, RequestContext ctx, Request request, Bytes frame,
            Handler handler) -> network::ResponseTask {
    const std::string group_id = request.group_id;
    const groups::GroupOwner owner = co_await s.group_ownership.Resolve(group_id);
    ctx.owns_group = owner.kind == groups::GroupOwner::Kind::kLocal;
    if (owner.kind == groups::GroupOwner::Kind::kRemote && !ctx.forwarded && s.group_forwarder) {
      auto answer = co_await s.group_forwarder->Forward(owner.agent, frame, ctx.client_host,
                                                        ForwardTimeout(request, ctx.api_version));
      if (answer.ok()) co_return std::move(*answer);
      s.group_ownership.OwnerUnreachable(group_id);
    }
    auto response = co_await handler(s, ctx, std::move(request));
    co_return EncodeResponse(ctx, response);
  }(services, ctx, std::move(request), std::move(frame), handler);
}

bool IsGroupApi(int16_t api_key) {
  switch (static_cast<ApiKey>(api_key)) {
    case ApiKey::kJoinGroup:
    case ApiKey::kSyncGroup:
    case ApiKey::kHeartbeat:
    case ApiKey::kLeaveGroup:
    case ApiKey::kOffsetCommit:
    case ApiKey::kTxnOffsetCommit:
    case ApiKey::kOffsetFetch:
    case ApiKey::kOffsetDelete:
    case ApiKey::kDescribeGroups:
    case ApiKey::kListGroups:
    case ApiKey::kDeleteGroups:
      return true;
    default:
      return false;
  }
}

// KIP-511: a client asking for an ApiVersions version we do not know gets error 35 and our
// ranges in a v0-shaped body, so it can retry with a version we speak.
network::ResponseTask UnsupportedApiVersions(RequestContext ctx) {
  ApiVersionsResponse response;
  response.error_code = Code(ErrorCode::kUnsupportedVersion);
  response.api_keys = AdvertisedApis();
  Writer w;
  ResponseHeader header;
  header.correlation_id = ctx.correlation_id;
  header.Encode(w, 0);
  response.Encode(w, 0);
  co_return w.Take();
}

}  // namespace

KafkaApi::KafkaApi(KafkaServices& services, obs::MetricsRegistry& metrics)
    : services_(services),
      requests_(metrics.AddCounter("sluice_kafka_requests_total",
                                   "Kafka requests received, by API.", {"api"})),
      request_errors_(metrics.AddCounter(
          "sluice_kafka_request_errors_total",
          "Kafka requests refused before handling (bad header, API or version), by reason.",
          {"reason"})) {
  auto& seconds = metrics.AddHistogram(
      "sluice_kafka_request_duration_seconds",
      "Kafka requests from admission to the response being ready (long polls included), by API.",
      obs::DefaultSecondsBuckets(), {"api"});
  auto& failed = metrics.AddCounter(
      "sluice_kafka_failed_requests_total",
      "Kafka requests whose body or version was refused (the connection is closed), by API.",
      {"api"});
  for (int key = 0; key < 100; ++key) {
    const ApiInfo* api = FindApi(static_cast<int16_t>(key));
    if (!api || !IsHandledApi(static_cast<int16_t>(key))) continue;
    const std::string name(api->name);
    api_series_[static_cast<int16_t>(key)] = {&seconds.WithLabels({name}),
                                              &failed.WithLabels({name})};
  }
}

Task<Result<network::ResponseTask>> KafkaApi::Admit(const network::ConnectionInfo& connection,
                                                    Bytes frame) {
  const auto start = std::chrono::steady_clock::now();
  const int16_t api_key = frame.size() >= 2 ? static_cast<int16_t>((frame[0] << 8) | frame[1]) : -1;
  auto admitted = co_await AdmitRequest(connection, std::move(frame), false);
  auto series = api_series_.find(api_key);
  if (series == api_series_.end()) co_return admitted;
  if (!admitted.ok()) {
    series->second.failed->Inc();
    co_return admitted;
  }
  co_return Timed(series->second, start, std::move(*admitted));
}

network::ResponseTask KafkaApi::Timed(ApiSeries& series,
                                      std::chrono::steady_clock::time_point start,
                                      network::ResponseTask inner) {
  std::optional<Bytes> response = co_await std::move(inner);
  series.seconds->Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  co_return response;
}

Task<Result<Bytes>> KafkaApi::AdmitForwarded(Bytes frame, std::string client_host) {
  if (frame.size() < 2) co_return Status::InvalidArgument("forwarded frame too short");
  const auto api_key = static_cast<int16_t>((frame[0] << 8) | frame[1]);
  if (!IsGroupApi(api_key)) {
    co_return Status::InvalidArgument("only consumer-group requests are forwarded, not api key " +
                                      std::to_string(api_key));
  }
  network::ConnectionInfo connection;
  connection.peer = std::move(client_host);
  auto admitted = co_await AdmitRequest(connection, std::move(frame), true);
  if (!admitted.ok()) co_return admitted.status();
  std::optional<Bytes> response = co_await std::move(*admitted);
  if (!response) co_return Status::Internal("a forwarded group request got no response");
  co_return std::move(*response);
}

Task<Result<network::ResponseTask>> KafkaApi::AdmitRequest(
    const network::ConnectionInfo& connection, Bytes frame, bool forwarded) {
  Reader reader(frame);
  RequestHeader header;
  Status parsed = header.DecodeAnyVersion(reader);
  const ApiInfo* api = FindApi(header.api_key);
  if (!parsed.ok() && !(api && header.api_key == static_cast<int16_t>(ApiKey::kApiVersions))) {
    request_errors_.WithLabels({"bad_header"}).Inc();
    co_return parsed;
  }
  if (!api || !IsHandledApi(header.api_key)) {
    request_errors_.WithLabels({"unknown_api"}).Inc();
    co_return Status::InvalidArgument("unknown api key " + std::to_string(header.api_key));
  }
  RequestContext ctx;
  ctx.api_key = header.api_key;
  ctx.api_version = header.api_version;
  ctx.correlation_id = header.correlation_id;
  ctx.client_id = header.client_id.value_or("");
  ctx.connection_id = connection.id;
  ctx.client_host = connection.peer;
  ctx.connection = connection.control;
  ctx.forwarded = forwarded;
  requests_.WithLabels({std::string(api->name)}).Inc();

  if (header.api_version < api->min_version || header.api_version > api->max_version) {
    if (header.api_key == static_cast<int16_t>(ApiKey::kApiVersions)) {
      co_return UnsupportedApiVersions(ctx);
    }
    request_errors_.WithLabels({"unsupported_version"}).Inc();
    co_return Status::InvalidArgument("unsupported version");  // Kafka closes the connection too
  }

  auto& s = services_;
  switch (static_cast<ApiKey>(header.api_key)) {
    case ApiKey::kApiVersions:
      co_return Route<ApiVersionsRequest>(s, ctx, reader, HandleApiVersions);
    case ApiKey::kMetadata:
      co_return Route<MetadataRequest>(s, ctx, reader, HandleMetadata);
    case ApiKey::kProduce: {
      ProduceRequest request;
      SLUICE_CO_RETURN_IF_ERROR(request.Decode(reader, ctx.api_version));
      co_return co_await AdmitProduce(s, ctx, std::move(request));
    }
    case ApiKey::kFetch:
      co_return Route<FetchRequest>(s, ctx, reader, HandleFetch);
    case ApiKey::kListOffsets:
      co_return Route<ListOffsetsRequest>(s, ctx, reader, HandleListOffsets);
    case ApiKey::kCreateTopics:
      co_return Route<CreateTopicsRequest>(s, ctx, reader, HandleCreateTopics);
    case ApiKey::kDeleteTopics:
      co_return Route<DeleteTopicsRequest>(s, ctx, reader, HandleDeleteTopics);
    case ApiKey::kDeleteRecords:
      co_return Route<DeleteRecordsRequest>(s, ctx, reader, HandleDeleteRecords);
    case ApiKey::kCreatePartitions:
      co_return Route<CreatePartitionsRequest>(s, ctx, reader, HandleCreatePartitions);
    case ApiKey::kDescribeConfigs:
      co_return Route<DescribeConfigsRequest>(s, ctx, reader, HandleDescribeConfigs);
    case ApiKey::kAlterConfigs:
      co_return Route<AlterConfigsRequest>(s, ctx, reader, HandleAlterConfigs);
    case ApiKey::kIncrementalAlterConfigs:
      co_return Route<IncrementalAlterConfigsRequest>(s, ctx, reader,
                                                      HandleIncrementalAlterConfigs);
    case ApiKey::kDescribeCluster:
      co_return Route<DescribeClusterRequest>(s, ctx, reader, HandleDescribeCluster);
    case ApiKey::kInitProducerId:
      co_return Route<InitProducerIdRequest>(s, ctx, reader, HandleInitProducerId);
    case ApiKey::kOffsetForLeaderEpoch:
      co_return Route<OffsetForLeaderEpochRequest>(s, ctx, reader, HandleOffsetForLeaderEpoch);
    case ApiKey::kFindCoordinator:
      co_return Route<FindCoordinatorRequest>(s, ctx, reader, HandleFindCoordinator);
    case ApiKey::kJoinGroup:
      co_return RouteGroup<JoinGroupRequest>(s, ctx, reader, std::move(frame), HandleJoinGroup);
    case ApiKey::kSyncGroup:
      co_return RouteGroup<SyncGroupRequest>(s, ctx, reader, std::move(frame), HandleSyncGroup);
    case ApiKey::kHeartbeat:
      co_return RouteGroup<HeartbeatRequest>(s, ctx, reader, std::move(frame), HandleHeartbeat);
    case ApiKey::kLeaveGroup:
      co_return RouteGroup<LeaveGroupRequest>(s, ctx, reader, std::move(frame), HandleLeaveGroup);
    case ApiKey::kOffsetCommit:
      co_return RouteGroup<OffsetCommitRequest>(s, ctx, reader, std::move(frame),
                                                HandleOffsetCommit);
    case ApiKey::kOffsetFetch:
      co_return Route<OffsetFetchRequest>(s, ctx, reader, HandleOffsetFetch);
    case ApiKey::kOffsetDelete:
      co_return RouteGroup<OffsetDeleteRequest>(s, ctx, reader, std::move(frame),
                                                HandleOffsetDelete);
    case ApiKey::kDescribeGroups:
      co_return Route<DescribeGroupsRequest>(s, ctx, reader, HandleDescribeGroups);
    case ApiKey::kListGroups:
      co_return Route<ListGroupsRequest>(s, ctx, reader, HandleListGroups);
    case ApiKey::kDeleteGroups:
      co_return Route<DeleteGroupsRequest>(s, ctx, reader, HandleDeleteGroups);
    case ApiKey::kAddPartitionsToTxn:
      co_return Route<AddPartitionsToTxnRequest>(s, ctx, reader, HandleAddPartitionsToTxn);
    case ApiKey::kAddOffsetsToTxn:
      co_return Route<AddOffsetsToTxnRequest>(s, ctx, reader, HandleAddOffsetsToTxn);
    case ApiKey::kEndTxn:
      co_return Route<EndTxnRequest>(s, ctx, reader, HandleEndTxn);
    case ApiKey::kTxnOffsetCommit:
      co_return RouteGroup<TxnOffsetCommitRequest>(s, ctx, reader, std::move(frame),
                                                   HandleTxnOffsetCommit);
    case ApiKey::kDescribeTransactions:
      co_return Route<DescribeTransactionsRequest>(s, ctx, reader, HandleDescribeTransactions);
    case ApiKey::kListTransactions:
      co_return Route<ListTransactionsRequest>(s, ctx, reader, HandleListTransactions);
    default:
      break;
  }
  request_errors_.WithLabels({"not_handled"}).Inc();
  co_return Status::Unimplemented("api " + std::string(api->name) + " is not handled yet");
}

}  // namespace sluice::agent
