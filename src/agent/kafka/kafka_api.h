// The Kafka API front door: parses the request header, checks the API and version, and routes the
// request to its handler (one per API, in handlers/). Implements the TCP server's handler
// interface.
#pragma once

#include <chrono>
#include <map>
#include <vector>

#include "agent/kafka/kafka_services.h"
#include "network/kafka_server.h"
#include "observability/metrics.h"

namespace sluice::agent {

class KafkaApi : public network::KafkaRequestHandler {
 public:
  KafkaApi(KafkaServices& services, obs::MetricsRegistry& metrics);

  Task<Result<network::ResponseTask>> Admit(const network::ConnectionInfo& connection,
                                            Bytes frame) override;
  // A consumer-group request another agent forwarded to this one (the group's owner): dispatched
  // like a client's, flagged as forwarded. Returns the response frame. Only group APIs.
  Task<Result<Bytes>> AdmitForwarded(Bytes frame, std::string client_host);

 private:
  Task<Result<network::ResponseTask>> AdmitRequest(const network::ConnectionInfo& connection,
                                                   Bytes frame, bool forwarded);

  // Per-API series, resolved once for every handled API (read-only afterwards).
  struct ApiSeries {
    obs::Histogram* seconds = nullptr;
    obs::Counter* failed = nullptr;
  };
  network::ResponseTask Timed(ApiSeries& series, std::chrono::steady_clock::time_point start,
                              network::ResponseTask inner);

  KafkaServices& services_;
  obs::CounterFamily& requests_;
  obs::CounterFamily& request_errors_;
  std::map<int16_t, ApiSeries> api_series_;
};

}  // namespace sluice::agent
