#include "agent/kafka/group_forwarder.h"

#include <algorithm>
#include <cstdio>

#include "agent/cluster/cluster_view.h"
#include "agent/groups/lease_group_ownership.h"
#include "agent/kafka/kafka_api.h"
#include "network/http_server.h"
#include "storage/s3_http_client.h"

namespace sluice::agent {

static_assert(PeerClients::kMaxResponseBytes >= kMaxForwardedFrameBytes * 8,
              "a forwarded response (a SyncGroup answer) must fit a peer client's limit");

GroupForwarder::GroupForwarder(PeerClients& peers) : peers_(peers) {}
GroupForwarder::~GroupForwarder() = default;

Task<Result<Bytes>> GroupForwarder::Forward(const metadata::AgentRecord& owner, const Bytes& frame,
                                            const std::string& client_host,
                                            std::chrono::milliseconds timeout) {
  if (owner.agent.http_port <= 0 || owner.agent.http_port > 65535 || owner.agent.host.empty()) {
    co_return Status::Unavailable("agent " + std::to_string(owner.node_id) +
                                  " advertises no HTTP address");
  }
  const std::string key = owner.agent.host + ":" + std::to_string(owner.agent.http_port);
  auto client = peers_.For(owner);
  storage::HttpRequest request;
  request.method = "POST";
  request.target = kForwardPath;
  request.headers = {{"Content-Type", "application/octet-stream"},
                     {kForwardClientHostHeader, client_host}};
  request.body = frame;
  auto response = co_await client->Send(request, timeout);
  if (!response.ok()) co_return response.status();
  if (response->status != 200) {
    co_return Status::Unavailable("agent " + key + " answered a forwarded request with HTTP " +
                                  std::to_string(response->status));
  }
  // The response frame starts with the correlation id of the request (after key and version).
  if (frame.size() < 8 || response->body.size() < 4 ||
      !std::equal(frame.begin() + 4, frame.begin() + 8, response->body.begin())) {
    co_return Status::Corruption("forwarded response from " + key + " does not match its request");
  }
  co_return std::move(response->body);
}

void RouteForwardedGroupRequests(HttpServer& http, KafkaApi& api) {
  http.Route("POST", kForwardPath, [&api](const HttpRequest& request) -> Task<HttpResponse> {
    Bytes frame(request.body.begin(), request.body.end());
    auto answer = co_await api.AdmitForwarded(
        std::move(frame), std::string(request.Header(kForwardClientHostHeader)));
    if (!answer.ok()) co_return HttpResponse::JsonError(400, answer.status().ToString());
    HttpResponse response;
    response.status = 200;
    response.content_type = "application/octet-stream";
    response.body.assign(answer->begin(), answer->end());
    co_return response;
  });
}

namespace {
std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\u%04x", static_cast<unsigned>(c));
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}
}  // namespace

void RouteOwnedGroups(HttpServer& http, const groups::LeaseGroupOwnership& ownership,
                      const ClusterView& cluster) {
  http.Route(
      "GET", "/v1/groups/owned", [&ownership, &cluster](const HttpRequest&) -> Task<HttpResponse> {
        std::string body = "{\"node_id\":" + std::to_string(cluster.Self().node_id) +
                           ",\"leases\":" + (ownership.leases_supported() ? "true" : "false") +
                           ",\"groups\":[";
        bool first = true;
        for (const auto& group : ownership.OwnedGroups()) {
          body += (first ? "" : ",") + JsonString(group);
          first = false;
        }
        co_return HttpResponse::Json(200, body + "]}");
      });
}

}  // namespace sluice::agent
