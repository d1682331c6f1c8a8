#include "client/kafka_client.h"

#include <algorithm>

#include "protocol/api_keys.h"
#include "protocol/messages/api_versions.h"

namespace sluice::client {

Result<KafkaClient> KafkaClient::Connect(const ClientOptions& options) {
  if (options.bootstrap.empty()) return Status::InvalidArgument("no bootstrap address given");
  std::string failures;
  for (const Endpoint& endpoint : options.bootstrap) {
    auto client = ConnectOne(options, endpoint);
    if (client.ok()) return client;
    if (!failures.empty()) failures += "; ";
    failures += client.status().message();
  }
  return Status::Unavailable("no broker reachable (" + failures + ")");
}

Result<KafkaClient> KafkaClient::ConnectTo(const Endpoint& endpoint) const {
  return ConnectOne(options_, endpoint);
}

Result<KafkaClient> KafkaClient::ConnectOne(const ClientOptions& options,
                                            const Endpoint& endpoint) {
  SLUICE_ASSIGN_OR_RETURN(Connection connection, Connection::Open(endpoint, options.timeout));
  KafkaClient client(options, std::move(connection));
  SLUICE_RETURN_IF_ERROR(client.NegotiateVersions());
  return client;
}

Status KafkaClient::NegotiateVersions() {
  // v3 first; a broker that does not know it answers error 35 in a v0 body (KIP-511), so
  // fall back to v0, which every broker speaks.
  for (int16_t version : {int16_t{3}, int16_t{0}}) {
    broker_versions_[protocol::ApiVersionsRequest::kApiKey] = {version, version};
    protocol::ApiVersionsRequest request;
    request.client_software_name = "sluice-cli";
    request.client_software_version = "0.1.0";
    auto response = Call<protocol::ApiVersionsResponse>(request, version, version);
    broker_versions_.clear();
    if (!response.ok()) {
      if (response.status().code() == StatusCode::kCorruption && version != 0) continue;
      return response.status();
    }
    if (response->error_code == 35 && version != 0) continue;
    if (response->error_code != 0) {
      return Status::Unavailable("ApiVersions to " + endpoint().ToString() + " failed with error " +
                                 std::to_string(response->error_code));
    }
    for (const auto& api : response->api_keys) {
      broker_versions_[api.api_key] = {api.min_version, api.max_version};
    }
    return Status::Ok();
  }
  return Status::Unavailable("ApiVersions to " + endpoint().ToString() + " failed");
}

Result<int16_t> KafkaClient::Version(int16_t api_key, int16_t min_version,
                                     int16_t max_version) const {
  auto it = broker_versions_.find(api_key);
  const protocol::ApiInfo* ours = protocol::FindApi(api_key);
  std::string name = ours ? std::string(ours->name) : "api " + std::to_string(api_key);
  if (it == broker_versions_.end()) {
    return Status::Unimplemented(endpoint().ToString() + " does not support " + name);
  }
  int16_t low = std::max(min_version, it->second.first);
  int16_t high = std::min(max_version, it->second.second);
  if (ours) {
    low = std::max(low, ours->min_version);
    high = std::min(high, ours->max_version);
  }
  if (low > high) {
    return Status::Unimplemented(endpoint().ToString() + " supports " + name +
                                 " only at versions " + std::to_string(it->second.first) + "-" +
                                 std::to_string(it->second.second));
  }
  return high;
}

protocol::RequestHeader KafkaClient::NextHeader(int16_t api_key, int16_t version) {
  protocol::RequestHeader header;
  header.api_key = api_key;
  header.api_version = version;
  header.correlation_id = next_correlation_id_++;
  header.client_id = options_.client_id;
  return header;
}

Result<Bytes> KafkaClient::RoundTrip(const Bytes& frame, const protocol::RequestHeader& header) {
  auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  SLUICE_RETURN_IF_ERROR(connection_.SendAll(frame, deadline));
  SLUICE_ASSIGN_OR_RETURN(Bytes body, connection_.ReadFrame(deadline));
  protocol::Reader r(body);
  int32_t correlation_id = r.ReadInt32();
  if (!r.ok() || correlation_id != header.correlation_id) {
    // Responses come in request order; anything else means the stream is out of step (e.g. a
    // late answer to a request that timed out), so later calls on it fail the same way.
    return Status::Corruption("response from " + endpoint().ToString() +
                              " carries correlation id " + std::to_string(correlation_id) +
                              ", expected " + std::to_string(header.correlation_id));
  }
  return body;
}

}  // namespace sluice::client
