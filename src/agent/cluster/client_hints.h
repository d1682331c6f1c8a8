// Routing hints carried in a Kafka client id (WarpStream's convention): the id is split on commas
// into key=value pairs; unknown keys and pieces without '=' are ignored, so "my-app,ws_az=eu-1"
// still names the application "my-app" for everything else.
#pragma once

#include <string>
#include <string_view>

namespace sluice::agent {

enum class ProxyTarget { kNone, kProduce, kConsume };

struct ClientHints {
  ProxyTarget target = ProxyTarget::kNone;
  std::string target_value;   // as written, for warnings about unknown targets
  std::string zone;           // warpstream_az / ws_az
  bool single_agent = false;  // warpstream_partition_assignment_strategy=single_agent
};

ClientHints ParseClientHints(std::string_view client_id);

}  // namespace sluice::agent
