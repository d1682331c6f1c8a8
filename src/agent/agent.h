// One Sluice agent: opens the bucket and the metadata store, then runs the services its roles ask
// for (the Kafka server with the produce and fetch paths; the HTTP server with status and metrics)
// on one event loop. Blocking back-end work runs on a separate pool.
#pragma once

#include <memory>

#include "agent/agent_config.h"
#include "common/status.h"

namespace sluice::agent {

class Agent {
 public:
  explicit Agent(AgentConfig config);
  ~Agent();

  // Runs until SIGTERM/SIGINT (graceful: stop accepting, flush and commit, answer, exit) or a
  // second signal (immediate). Returns the start-up error, if any.
  Status Run();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::agent
