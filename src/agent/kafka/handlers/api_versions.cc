#include "agent/kafka/handlers/handlers.h"
#include "protocol/api_keys.h"

namespace sluice::agent {

bool IsHandledApi(int16_t api_key) {
  switch (static_cast<ApiKey>(api_key)) {
    case ApiKey::kApiVersions:
    case ApiKey::kMetadata:
    case ApiKey::kProduce:
    case ApiKey::kFetch:
    case ApiKey::kListOffsets:
    case ApiKey::kCreateTopics:
    case ApiKey::kDeleteTopics:
    case ApiKey::kDeleteRecords:
    case ApiKey::kCreatePartitions:
    case ApiKey::kDescribeConfigs:
    case ApiKey::kAlterConfigs:
    case ApiKey::kIncrementalAlterConfigs:
    case ApiKey::kDescribeCluster:
    case ApiKey::kInitProducerId:
    case ApiKey::kOffsetForLeaderEpoch:
    // Consumer groups (handlers/groups.cc, group_offsets.cc, group_admin.cc).
    case ApiKey::kFindCoordinator:
    case ApiKey::kJoinGroup:
    case ApiKey::kSyncGroup:
    case ApiKey::kHeartbeat:
    case ApiKey::kLeaveGroup:
    case ApiKey::kOffsetCommit:
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

std::vector<ApiVersionsResponse::ApiVersion> AdvertisedApis() {
  std::vector<ApiVersionsResponse::ApiVersion> out;
  for (const auto& api : SupportedApis()) {
    if (!IsHandledApi(api.api_key)) continue;  // advertise only what is fully implemented
    ApiVersionsResponse::ApiVersion v;
    v.api_key = api.api_key;
    v.min_version = api.min_version;
    v.max_version = api.max_version;
    out.push_back(v);
  }
  return out;
}

Task<ApiVersionsResponse> HandleApiVersions(KafkaServices&, RequestContext, ApiVersionsRequest) {
  ApiVersionsResponse response;
  response.api_keys = AdvertisedApis();
  co_return response;
}

}  // namespace sluice::agent
