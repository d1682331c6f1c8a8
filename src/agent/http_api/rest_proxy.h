// The Confluent REST Proxy v2 API on the agent's HTTP port (docs/http-api.md): topic metadata,
// produce (through the same Batcher as Kafka Produce, answered after the commit), fetch by
// partition and offset (long poll), and consumer-group instances that act as in-process Kafka
// clients of their group.
#pragma once

#include <memory>
#include <string>

#include "agent/kafka/kafka_api.h"
#include "agent/kafka/kafka_services.h"
#include "network/http_server.h"

namespace sluice::agent::http_api {

struct RestProxyOptions {
  bool accepts_produce = true;  // roles proxy or proxy-produce
  bool accepts_consume = true;  // roles proxy or proxy-consume
  // A consumer instance unused for this long leaves its group and is deleted.
  std::chrono::milliseconds instance_idle_timeout{std::chrono::minutes(5)};
  // Larger request bodies get 413 (the HTTP server's own limit may be higher, for other routes).
  size_t max_body_bytes = 8 << 20;
};

class ConsumerInstances;

// Owns the consumer instances; keep it alive as long as the HTTP server runs.
class RestProxy {
 public:
  RestProxy(KafkaServices& services, KafkaApi* api, RestProxyOptions options);
  ~RestProxy();
  RestProxy(const RestProxy&) = delete;
  RestProxy& operator=(const RestProxy&) = delete;

  struct State;

 private:
  friend void RegisterRoutes(HttpServer& http, RestProxy& proxy);
  std::shared_ptr<State> state_;
};

// Creates the proxy and registers its routes on `http` (before http.Start()). `api` is the
// agent's Kafka front door that consumer instances send their group requests through; null when
// the agent has no Kafka listener (consumer instances are then refused).
std::unique_ptr<RestProxy> RegisterRestProxyRoutes(HttpServer& http, KafkaServices& services,
                                                   KafkaApi* api, RestProxyOptions options = {});

}  // namespace sluice::agent::http_api
