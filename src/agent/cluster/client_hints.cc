#include "agent/cluster/client_hints.h"

namespace sluice::agent {

namespace {
std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
}  // namespace

ClientHints ParseClientHints(std::string_view client_id) {
  ClientHints hints;
  while (!client_id.empty()) {
    auto comma = client_id.find(',');
    std::string_view piece = client_id.substr(0, comma);
    client_id = comma == std::string_view::npos ? std::string_view{} : client_id.substr(comma + 1);
    auto eq = piece.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = Trim(piece.substr(0, eq));
    std::string_view value = Trim(piece.substr(eq + 1));
    if (key == "warpstream_proxy_target") {
      hints.target_value = std::string(value);
      if (value == "proxy-produce") {
        hints.target = ProxyTarget::kProduce;
      } else if (value == "proxy-consume") {
        hints.target = ProxyTarget::kConsume;
      } else {
        hints.target = ProxyTarget::kNone;
      }
    } else if (key == "warpstream_az" || key == "ws_az") {
      hints.zone = std::string(value);
    } else if (key == "warpstream_partition_assignment_strategy") {
      hints.single_agent = value == "single_agent";
    }
  }
  return hints;
}

}  // namespace sluice::agent
