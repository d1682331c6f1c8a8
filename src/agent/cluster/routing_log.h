// Warns once per client id when a client is shown a wider set of agents than it asked for (its
// target has no live agent, or no agent has the plain proxy role), so a misconfigured cluster is
// visible in the logs without a line per request.
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "observability/logger.h"

namespace sluice::agent {

class RoutingLog {
 public:
  explicit RoutingLog(obs::Logger& logger) : logger_(logger) {}

  void WarnOnce(std::string_view client_id, std::string_view reason) {
    if (reason.empty()) return;
    if (warned_.size() >= kMaxRemembered) warned_.clear();  // bounded: hostile ids cannot grow it
    if (!warned_.insert(std::string(reason) + "|" + std::string(client_id)).second) return;
    logger_.Warn(reason == "no_agent_for_target"
                     ? "no live agent serves this client's warpstream_proxy_target; showing the "
                       "default agents instead"
                     : "no live agent has the plain proxy role; showing every proxy agent",
                 {{"client_id", std::string(client_id)}});
  }

 private:
  static constexpr size_t kMaxRemembered = 10000;
  obs::Logger& logger_;
  std::set<std::string> warned_;
};

}  // namespace sluice::agent
