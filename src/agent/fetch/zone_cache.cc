#include "agent/fetch/zone_cache.h"

#include <charconv>
#include <limits>

#include "agent/cluster/rendezvous.h"
#include "network/http_server.h"
#include "storage/object_key.h"
#include "storage/s3_http_client.h"
#include "storage/s3_sigv4.h"

namespace sluice::agent {

namespace {

using Pieces = std::vector<std::shared_ptr<const Bytes>>;

bool ParseDecimal(std::string_view text, uint64_t& out) {
  if (text.empty() || text.size() > 20) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

Result<std::vector<RangeRequest>> ParseRangeList(std::string_view text, size_t max_ranges,
                                                 uint64_t max_bytes) {
  std::vector<RangeRequest> out;
  if (text.empty()) return Status::InvalidArgument("no ranges");
  uint64_t total = 0;
  uint64_t next_free = 0;  // ranges must start at or after the end of the previous one
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = text.substr(pos, comma - pos);
    size_t dash = item.find('-');
    uint64_t offset = 0, length = 0;
    if (dash == std::string_view::npos || !ParseDecimal(item.substr(0, dash), offset) ||
        !ParseDecimal(item.substr(dash + 1), length)) {
      return Status::InvalidArgument("malformed range '" + std::string(item.substr(0, 64)) +
                                     "' (want <offset>-<length>)");
    }
    if (length == 0 || length > std::numeric_limits<uint32_t>::max()) {
      return Status::InvalidArgument("range length must be 1.." +
                                     std::to_string(std::numeric_limits<uint32_t>::max()));
    }
    if (offset > std::numeric_limits<uint64_t>::max() - length) {
      return Status::InvalidArgument("range end overflows");
    }
    if (!out.empty() && offset < next_free) {
      return Status::InvalidArgument("ranges must be ascending and must not overlap");
    }
    if (out.size() == max_ranges) {
      return Status::InvalidArgument("more than " + std::to_string(max_ranges) + " ranges");
    }
    total += length;
    if (total > max_bytes) {
      return Status::InvalidArgument("ranges ask for more than " + std::to_string(max_bytes) +
                                     " bytes");
    }
    out.push_back({offset, static_cast<uint32_t>(length)});
    next_free = offset + length;
    pos = comma + 1;
  }
  return out;
}

std::string FormatRangeList(const std::vector<RangeRequest>& ranges) {
  std::string out;
  for (const auto& r : ranges) {
    if (!out.empty()) out += ',';
    out += std::to_string(r.offset) + "-" + std::to_string(r.length);
  }
  return out;
}

ZoneCache::ZoneCache(asio::any_io_executor executor, FileCache& local, PeerClients& peers,
                     ZoneCacheOptions options)
    : executor_(executor), local_(local), peers_(peers), options_(std::move(options)) {}

ZoneCache::~ZoneCache() = default;

std::optional<metadata::AgentRecord> ZoneCache::RemoteOwner(const std::string& key) const {
  if (!cluster_) return std::nullopt;
  const metadata::AgentRecord& self = cluster_->Self();
  std::shared_ptr<const AgentList> live = cluster_->LiveAgents();
  if (!live) return std::nullopt;
  std::vector<const metadata::AgentRecord*> candidates;
  for (const auto& agent : *live) {
    if (IsProxy(agent) && agent.agent.http_port > 0 && agent.agent.http_port <= 65535 &&
        !agent.agent.host.empty() &&
        agent.agent.availability_zone == self.agent.availability_zone) {
      candidates.push_back(&agent);
    }
  }
  int pick = RendezvousPick(key, static_cast<int>(candidates.size()),
                            [&](int i) { return candidates[static_cast<size_t>(i)]->node_id; });
  if (pick < 0) return std::nullopt;
  const metadata::AgentRecord& owner = *candidates[static_cast<size_t>(pick)];
  if (owner.node_id == self.node_id) return std::nullopt;
  return owner;
}

Task<Result<Pieces>> ZoneCache::Read(const std::string& key, std::vector<RangeRequest> ranges) {
  std::optional<metadata::AgentRecord> owner = RemoteOwner(key);
  if (!owner) {
    stats_.local_reads++;
    co_return co_await local_.Read(key, std::move(ranges));
  }

  // Ranges already asked for by another reader are awaited; the rest go to the owner in
  // requests of bounded size.
  std::vector<std::shared_ptr<Pending>> waits(ranges.size());
  std::vector<RangeRequest> batch;
  std::vector<std::shared_ptr<Pending>> batch_pendings;
  uint64_t batch_bytes = 0;
  auto flush = [&]() {
    if (batch.empty()) return;
    asio::co_spawn(executor_,
                   FetchFromPeer(*owner, key, std::move(batch), std::move(batch_pendings)),
                   asio::detached);
    batch.clear();
    batch_pendings.clear();
    batch_bytes = 0;
  };
  for (size_t i = 0; i < ranges.size(); ++i) {
    RangeKey range_key{key, ranges[i].offset, ranges[i].length};
    if (auto it = in_flight_.find(range_key); it != in_flight_.end()) {
      stats_.peer_merged++;
      waits[i] = it->second;
      continue;
    }
    auto pending = std::make_shared<Pending>(executor_);
    in_flight_[range_key] = pending;
    waits[i] = pending;
    if (!batch.empty() && (batch_bytes + ranges[i].length > options_.max_request_bytes ||
                           batch.size() == options_.max_request_ranges)) {
      flush();
    }
    batch.push_back(ranges[i]);
    batch_pendings.push_back(pending);
    batch_bytes += ranges[i].length;
  }
  flush();

  Pieces out(ranges.size());
  for (size_t i = 0; i < ranges.size(); ++i) {
    auto piece = co_await waits[i]->Wait();
    if (!piece.ok()) co_return piece.status();
    out[i] = *piece;
  }
  co_return out;
}

Task<void> ZoneCache::FetchFromPeer(metadata::AgentRecord owner, std::string key,
                                    std::vector<RangeRequest> ranges,
                                    std::vector<std::shared_ptr<Pending>> pendings) {
  uint64_t total = 0;
  for (const auto& r : ranges) total += r.length;
  Result<Pieces> pieces = Status::Unavailable("range larger than a peer request");
  if (total <= options_.max_request_bytes) pieces = co_await AskPeer(owner, key, ranges);
  if (!pieces.ok()) {
    // The store is the source of truth: read it ourselves rather than fail the fetch.
    stats_.fallback_ranges += ranges.size();
    pieces = co_await local_.Read(key, ranges);
  }
  for (size_t i = 0; i < ranges.size(); ++i) {
    in_flight_.erase(RangeKey{key, ranges[i].offset, ranges[i].length});
    if (pieces.ok()) {
      pendings[i]->Set((*pieces)[i]);
    } else {
      pendings[i]->Set(pieces.status());
    }
  }
}

Task<Result<Pieces>> ZoneCache::AskPeer(const metadata::AgentRecord& owner, const std::string& key,
                                        const std::vector<RangeRequest>& ranges) {
  const auto endpoint_key =
      std::make_pair(owner.agent.host, static_cast<uint16_t>(owner.agent.http_port));
  const auto now = std::chrono::steady_clock::now();
  if (auto down = down_until_.find(endpoint_key); down != down_until_.end()) {
    if (now < down->second) {
      stats_.peer_skipped++;
      co_return Status::Unavailable("cache owner failed moments ago");
    }
    down_until_.erase(down);
  }
  storage::HttpRequest request;
  request.method = "GET";
  request.target = std::string(kZoneCacheRangesPath) +
                   "?key=" + storage::UriEncode(key, /*encode_slash=*/true) +
                   "&r=" + FormatRangeList(ranges);
  auto client = peers_.For(owner);
  auto response = co_await client->Send(request, options_.peer_timeout);
  if (!response.ok()) {
    stats_.peer_unavailable++;
    down_until_[endpoint_key] = std::chrono::steady_clock::now() + options_.peer_backoff;
    co_return response.status();
  }
  if (response->status != 200) {
    stats_.peer_error++;
    co_return Status::IOError("cache owner " + owner.agent.host + ":" +
                              std::to_string(owner.agent.http_port) + " answered " +
                              std::to_string(response->status));
  }
  uint64_t total = 0;
  for (const auto& r : ranges) total += r.length;
  if (response->body.size() != total) {
    stats_.peer_error++;
    co_return Status::Corruption("cache owner sent " + std::to_string(response->body.size()) +
                                 " bytes, expected " + std::to_string(total));
  }
  stats_.peer_ok++;
  Pieces out;
  out.reserve(ranges.size());
  size_t at = 0;
  for (const auto& r : ranges) {
    auto begin = response->body.begin() + static_cast<ptrdiff_t>(at);
    out.push_back(std::make_shared<const Bytes>(begin, begin + r.length));
    at += r.length;
  }
  co_return out;
}

void ZoneCache::RegisterRoutes(HttpServer& server) {
  server.Route("GET", kZoneCacheRangesPath,
               [this](const HttpRequest& request) { return ServeRanges(request); });
}

Task<HttpResponse> ZoneCache::ServeRanges(const HttpRequest& request) {
  auto reject = [this](int status, std::string_view message) {
    stats_.served_rejected++;
    return HttpResponse::JsonError(status, message);
  };
  std::optional<std::string> key = request.Query("key");
  std::optional<std::string> range_text = request.Query("r");
  if (!key || key->empty()) co_return reject(400, "missing key");
  if (!range_text) co_return reject(400, "missing r");
  if (options_.key_prefix.empty() ||
      key->compare(0, options_.key_prefix.size(), options_.key_prefix) != 0) {
    co_return reject(400, "key outside this cluster's objects");
  }
  if (Status valid = storage::ValidateObjectKey(*key); !valid.ok()) {
    co_return reject(400, valid.message());
  }
  auto ranges =
      ParseRangeList(*range_text, options_.max_request_ranges, options_.max_request_bytes);
  if (!ranges.ok()) co_return reject(400, ranges.status().message());

  auto pieces = co_await local_.Read(*key, *ranges);
  if (!pieces.ok()) {
    switch (pieces.status().code()) {
      case StatusCode::kNotFound:
        co_return reject(404, pieces.status().message());
      case StatusCode::kInvalidArgument:  // a range past the end of the object
        co_return reject(400, pieces.status().message());
      default:
        co_return reject(503, pieces.status().message());
    }
  }
  HttpResponse response;
  response.status = 200;
  response.content_type = "application/octet-stream";
  size_t total = 0;
  for (const auto& piece : *pieces) total += piece->size();
  response.body.reserve(total);
  for (const auto& piece : *pieces) response.body.append(piece->begin(), piece->end());
  stats_.served_requests++;
  stats_.served_bytes += total;
  co_return response;
}

}  // namespace sluice::agent
