// One handler per Kafka API. Each takes the decoded request and returns the response to encode;
// Produce is split in two because its first half must run in request order per connection.
#pragma once

#include "agent/kafka/kafka_services.h"
#include "agent/kafka/topic_configs.h"
#include "network/kafka_server.h"
#include "protocol/error_codes.h"
#include "protocol/header.h"
#include "protocol/messages.h"

namespace sluice::agent {

using namespace protocol;  // NOLINT: handler code is all protocol messages

// APIs with a handler; ApiVersions advertises only these.
bool IsHandledApi(int16_t api_key);
std::vector<ApiVersionsResponse::ApiVersion> AdvertisedApis();

Task<ApiVersionsResponse> HandleApiVersions(KafkaServices&, RequestContext, ApiVersionsRequest);
Task<MetadataResponse> HandleMetadata(KafkaServices&, RequestContext, MetadataRequest);
// Validates and buffers the batches now; the returned task answers after the commit.
Task<Result<network::ResponseTask>> AdmitProduce(KafkaServices&, RequestContext, ProduceRequest);
Task<FetchResponse> HandleFetch(KafkaServices&, RequestContext, FetchRequest);
Task<ListOffsetsResponse> HandleListOffsets(KafkaServices&, RequestContext, ListOffsetsRequest);
Task<CreateTopicsResponse> HandleCreateTopics(KafkaServices&, RequestContext, CreateTopicsRequest);
Task<DeleteTopicsResponse> HandleDeleteTopics(KafkaServices&, RequestContext, DeleteTopicsRequest);
Task<DeleteRecordsResponse> HandleDeleteRecords(KafkaServices&, RequestContext,
                                                DeleteRecordsRequest);
Task<CreatePartitionsResponse> HandleCreatePartitions(KafkaServices&, RequestContext,
                                                      CreatePartitionsRequest);
Task<DescribeConfigsResponse> HandleDescribeConfigs(KafkaServices&, RequestContext,
                                                    DescribeConfigsRequest);
Task<AlterConfigsResponse> HandleAlterConfigs(KafkaServices&, RequestContext, AlterConfigsRequest);
Task<IncrementalAlterConfigsResponse> HandleIncrementalAlterConfigs(KafkaServices&, RequestContext,
                                                                    IncrementalAlterConfigsRequest);
Task<DescribeClusterResponse> HandleDescribeCluster(KafkaServices&, RequestContext,
                                                    DescribeClusterRequest);
Task<InitProducerIdResponse> HandleInitProducerId(KafkaServices&, RequestContext,
                                                  InitProducerIdRequest);
Task<OffsetForLeaderEpochResponse> HandleOffsetForLeaderEpoch(KafkaServices&, RequestContext,
                                                              OffsetForLeaderEpochRequest);

// Consumer groups. Single-group requests reach these handlers after routing (kafka_api.cc): the
// owner's handler runs them; NotOwnedHere: this agent neither owns the group nor could forward
// the request (answer NOT_COORDINATOR).
bool NotOwnedHere(const RequestContext& ctx);
Task<FindCoordinatorResponse> HandleFindCoordinator(KafkaServices&, RequestContext,
                                                    FindCoordinatorRequest);
Task<JoinGroupResponse> HandleJoinGroup(KafkaServices&, RequestContext, JoinGroupRequest);
Task<SyncGroupResponse> HandleSyncGroup(KafkaServices&, RequestContext, SyncGroupRequest);
Task<HeartbeatResponse> HandleHeartbeat(KafkaServices&, RequestContext, HeartbeatRequest);
Task<LeaveGroupResponse> HandleLeaveGroup(KafkaServices&, RequestContext, LeaveGroupRequest);
Task<OffsetCommitResponse> HandleOffsetCommit(KafkaServices&, RequestContext, OffsetCommitRequest);
Task<OffsetFetchResponse> HandleOffsetFetch(KafkaServices&, RequestContext, OffsetFetchRequest);
Task<OffsetDeleteResponse> HandleOffsetDelete(KafkaServices&, RequestContext, OffsetDeleteRequest);
Task<DescribeGroupsResponse> HandleDescribeGroups(KafkaServices&, RequestContext,
                                                  DescribeGroupsRequest);
Task<ListGroupsResponse> HandleListGroups(KafkaServices&, RequestContext, ListGroupsRequest);
Task<DeleteGroupsResponse> HandleDeleteGroups(KafkaServices&, RequestContext, DeleteGroupsRequest);

// Transactions (handlers/transactions.cc; TxnOffsetCommit in group_offsets.cc, routed to the
// group's owner like OffsetCommit). Any agent answers them against the store.
Task<AddPartitionsToTxnResponse> HandleAddPartitionsToTxn(KafkaServices&, RequestContext,
                                                          AddPartitionsToTxnRequest);
Task<AddOffsetsToTxnResponse> HandleAddOffsetsToTxn(KafkaServices&, RequestContext,
                                                    AddOffsetsToTxnRequest);
Task<EndTxnResponse> HandleEndTxn(KafkaServices&, RequestContext, EndTxnRequest);
Task<TxnOffsetCommitResponse> HandleTxnOffsetCommit(KafkaServices&, RequestContext,
                                                    TxnOffsetCommitRequest);
Task<DescribeTransactionsResponse> HandleDescribeTransactions(KafkaServices&, RequestContext,
                                                              DescribeTransactionsRequest);
Task<ListTransactionsResponse> HandleListTransactions(KafkaServices&, RequestContext,
                                                      ListTransactionsRequest);
// The store answers PRODUCER_FENCED (90); request versions before `first_version_with_fenced`
// predate it and get INVALID_PRODUCER_EPOCH (47) instead (design-transactions.md §2).
int16_t TxnErrorForVersion(int16_t error, int16_t version, int16_t first_version_with_fenced);
// ListTransactions: the one agent that lists (the live agent with the lowest node id).
bool ListsTransactions(const ClusterView& cluster);

// Encodes header + body for the request's version.
Bytes EncodeResponse(const RequestContext& ctx, const auto& response) {
  Writer w;
  ResponseHeader header;
  header.correlation_id = ctx.correlation_id;
  header.Encode(w, ResponseHeaderVersion(ctx.api_key, ctx.api_version));
  response.Encode(w, ctx.api_version);
  return w.Take();
}

inline int16_t Code(ErrorCode code) { return static_cast<int16_t>(code); }

}  // namespace sluice::agent
