// The Kafka API front door: parses the request header, checks the API and version, and routes the
// request to its handler (one per API, in handlers/). Implements the TCP server's handler
// interface.
#pragma once

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

 private:
  KafkaServices& services_;
  obs::CounterFamily& requests_;
  obs::CounterFamily& request_errors_;
};

}  // namespace sluice::agent
