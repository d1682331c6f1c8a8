// A small synchronous Kafka client for tools: connects to the first reachable bootstrap broker,
// negotiates versions with ApiVersions, then sends any generated request and decodes its
// response. Every call has a deadline; every failure is a Status naming the broker.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "client/connection.h"
#include "common/bytes.h"
#include "common/status.h"
#include "protocol/framing.h"
#include "protocol/header.h"
#include "protocol/wire.h"

namespace sluice::client {

struct ClientOptions {
  std::vector<Endpoint> bootstrap;
  std::string client_id = "sluice-cli";
  std::chrono::milliseconds timeout{10000};  // connect, and each request/response round trip
};

class KafkaClient {
 public:
  // Tries the bootstrap brokers in order; Unavailable listing every address when none answers.
  static Result<KafkaClient> Connect(const ClientOptions& options);
  // A client of another broker (e.g. a group coordinator) with the same options.
  Result<KafkaClient> ConnectTo(const Endpoint& endpoint) const;

  // The highest version both sides speak within [min_version, max_version], or Unimplemented.
  Result<int16_t> Version(int16_t api_key, int16_t min_version, int16_t max_version) const;

  // Sends `request` at the negotiated version (capped at `max_version`, for callers that fill
  // only the fields of older versions) and decodes the answer.
  template <typename Response, typename Request>
  Result<Response> Call(const Request& request, int16_t max_version = Request::kMaxVersion,
                        int16_t min_version = Request::kMinVersion) {
    SLUICE_ASSIGN_OR_RETURN(int16_t version, Version(Request::kApiKey, min_version, max_version));
    protocol::RequestHeader header = NextHeader(Request::kApiKey, version);
    SLUICE_ASSIGN_OR_RETURN(Bytes frame, protocol::EncodeRequestFrame(header, request));
    SLUICE_ASSIGN_OR_RETURN(Bytes body, RoundTrip(frame, header));
    protocol::Reader r(body);
    protocol::ResponseHeader response_header;
    SLUICE_RETURN_IF_ERROR(
        response_header.Decode(r, protocol::ResponseHeaderVersion(Request::kApiKey, version)));
    Response response;
    Status decoded = response.Decode(r, version);
    if (!decoded.ok()) {
      return Status::Corruption("malformed response from " + endpoint().ToString() + ": " +
                                decoded.message());
    }
    return response;
  }

  const Endpoint& endpoint() const { return connection_.endpoint(); }
  const ClientOptions& options() const { return options_; }
  // Broker's ranges by api key, from ApiVersions.
  const std::map<int16_t, std::pair<int16_t, int16_t>>& broker_versions() const {
    return broker_versions_;
  }

 private:
  KafkaClient(ClientOptions options, Connection connection)
      : options_(std::move(options)), connection_(std::move(connection)) {}
  static Result<KafkaClient> ConnectOne(const ClientOptions& options, const Endpoint& endpoint);
  Status NegotiateVersions();
  protocol::RequestHeader NextHeader(int16_t api_key, int16_t version);
  // Sends a frame and returns the response frame whose correlation id matches (header included).
  Result<Bytes> RoundTrip(const Bytes& frame, const protocol::RequestHeader& header);

  ClientOptions options_;
  Connection connection_;
  int32_t next_correlation_id_ = 1;
  std::map<int16_t, std::pair<int16_t, int16_t>> broker_versions_;
};

}  // namespace sluice::client
