// Helpers for group requests that name several groups (DescribeGroups, DeleteGroups) or none
// (ListGroups): parts of the request are re-encoded with the client's header and sent to the
// agents that own the groups; their answers are merged by the handler.
#pragma once

#include <chrono>
#include <map>
#include <vector>

#include "agent/kafka/group_forwarder.h"
#include "agent/kafka/handlers/handlers.h"

namespace sluice::agent {

// Sends `request` (with ctx's header) to `owner` and decodes its answer.
template <typename Response, typename Request>
Task<Result<Response>> ForwardToAgent(KafkaServices& s, const RequestContext& ctx,
                                      const metadata::AgentRecord& owner, const Request& request,
                                      std::chrono::milliseconds timeout) {
  if (!s.group_forwarder) co_return Status::Unavailable("this agent does not forward");
  Writer w;
  RequestHeader header;
  header.api_key = ctx.api_key;
  header.api_version = ctx.api_version;
  header.correlation_id = ctx.correlation_id;
  header.client_id = ctx.client_id;
  header.Encode(w, RequestHeaderVersion(ctx.api_key, ctx.api_version));
  request.Encode(w, ctx.api_version);
  auto frame = co_await s.group_forwarder->Forward(owner, w.Take(), ctx.client_host, timeout);
  if (!frame.ok()) co_return frame.status();
  Reader r(*frame);
  ResponseHeader response_header;
  SLUICE_CO_RETURN_IF_ERROR(
      response_header.Decode(r, ResponseHeaderVersion(ctx.api_key, ctx.api_version)));
  Response response;
  SLUICE_CO_RETURN_IF_ERROR(response.Decode(r, ctx.api_version));
  co_return response;
}

// Where each of a request's groups is answered: indexes of the groups owned here, of those to
// forward (by owner node id), and of those nobody can answer now (NOT_COORDINATOR).
struct GroupSplit {
  std::vector<size_t> local;
  std::map<int32_t, std::pair<metadata::AgentRecord, std::vector<size_t>>> remote;
  std::vector<size_t> unavailable;
};

Task<GroupSplit> SplitByOwner(KafkaServices& s, const RequestContext& ctx,
                              const std::vector<std::string>& group_ids);

}  // namespace sluice::agent
