// The zone-wide file cache (design.md §5). Every object key has one owner among the live proxy
// agents of this agent's availability zone, chosen by rendezvous hashing, so that N agents
// serving the same data cost about one object-store GET per range per zone:
//  - owner == this agent: read through the local FileCache (which GETs from the store);
//  - otherwise: ask the owner over HTTP (GET /v1/internal/cache/ranges), answered from the
//    owner's FileCache. Identical concurrent ranges are merged into one request. When the owner
//    cannot be reached or answers an error, read through the local FileCache instead.
// Non-owners keep no copy of what a peer sent them: each range is cached once per zone, and every
// agent's memory stays within its own FileCache budget (-fileCacheSizeBytes).
//
// Single-threaded: every call runs on the agent's event loop (the one executor given here).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "agent/cluster/cluster_view.h"
#include "agent/cluster/peer_clients.h"
#include "agent/fetch/file_cache.h"
#include "agent/fetch/range_reader.h"
#include "common/async_event.h"

namespace sluice {
class HttpServer;
struct HttpRequest;
struct HttpResponse;
}  // namespace sluice

namespace sluice::agent {

inline constexpr const char* kZoneCacheRangesPath = "/v1/internal/cache/ranges";

struct ZoneCacheOptions {
  // Only keys under this prefix are read for peers ("sluice/<cluster id>/"); must not be empty.
  std::string key_prefix;
  // How long to wait for an owner before reading from the object store instead.
  std::chrono::milliseconds peer_timeout{5000};
  // After an owner could not be reached, read from the store without asking it for this long
  // (an agent that died stays in the view until its lease runs out).
  std::chrono::milliseconds peer_backoff{2000};
  // The most bytes one peer request may ask for (both sides enforce it); larger reads are split.
  uint64_t max_request_bytes = 32ull << 20;
  // The most ranges one peer request may ask for.
  size_t max_request_ranges = 1024;
};

struct ZoneCacheStats {
  uint64_t local_reads = 0;       // Read() calls for ranges this agent owns
  uint64_t peer_ok = 0;           // peer requests answered with the bytes
  uint64_t peer_error = 0;        // peer requests answered with an error or malformed bytes
  uint64_t peer_unavailable = 0;  // peer requests that got no answer (refused, timeout)
  uint64_t peer_skipped = 0;      // peer requests not sent: the owner failed moments ago
  uint64_t peer_merged = 0;       // ranges that joined a peer request already in flight
  uint64_t fallback_ranges = 0;   // ranges read from the store after a failed peer request
  uint64_t served_requests = 0;   // peer requests this agent answered with bytes
  uint64_t served_bytes = 0;
  uint64_t served_rejected = 0;  // peer requests refused (4xx) or failed (5xx)
};

class ZoneCache : public RangeReader {
 public:
  // `peers` (the agent's clients to the other agents) must outlive this cache.
  ZoneCache(asio::any_io_executor executor, FileCache& local, PeerClients& peers,
            ZoneCacheOptions options);
  ~ZoneCache() override;
  ZoneCache(const ZoneCache&) = delete;
  ZoneCache& operator=(const ZoneCache&) = delete;

  // The agents to share with (it must outlive this cache). Until it is set, every key is read
  // through the local cache, as in a single-agent deployment.
  void SetCluster(const ClusterView& cluster) { cluster_ = &cluster; }

  Task<Result<std::vector<std::shared_ptr<const Bytes>>>> Read(
      const std::string& key, std::vector<RangeRequest> ranges) override;

  // The owner of `key` in this agent's zone, or nullopt when it is this agent (also when the
  // view holds no eligible agent, e.g. before membership has seen this one, or there is no view).
  std::optional<metadata::AgentRecord> RemoteOwner(const std::string& key) const;

  // Registers GET kZoneCacheRangesPath on the agent's HTTP server (before it starts).
  void RegisterRoutes(HttpServer& server);
  // The endpoint itself: ?key=<object key>&r=<offset>-<length>,... Answers the ranges'
  // bytes concatenated in request order (application/octet-stream), 400 for a malformed or
  // too large request or a key outside the prefix, 404 when the object does not exist.
  Task<HttpResponse> ServeRanges(const HttpRequest& request);

  const ZoneCacheStats& stats() const { return stats_; }

 private:
  using RangeKey = std::tuple<std::string, uint64_t, uint32_t>;
  using Pending = OneShot<Result<std::shared_ptr<const Bytes>>>;

  // Sends one request for `ranges` to `owner` and settles their pendings; on failure reads them
  // through the local cache.
  Task<void> FetchFromPeer(metadata::AgentRecord owner, std::string key,
                           std::vector<RangeRequest> ranges,
                           std::vector<std::shared_ptr<Pending>> pendings);
  Task<Result<std::vector<std::shared_ptr<const Bytes>>>> AskPeer(
      const metadata::AgentRecord& owner, const std::string& key,
      const std::vector<RangeRequest>& ranges);
  asio::any_io_executor executor_;
  const ClusterView* cluster_ = nullptr;
  FileCache& local_;
  PeerClients& peers_;
  ZoneCacheOptions options_;
  std::map<RangeKey, std::shared_ptr<Pending>> in_flight_;
  std::map<std::pair<std::string, uint16_t>, std::chrono::steady_clock::time_point> down_until_;
  ZoneCacheStats stats_;
};

// Parses "<offset>-<length>,..." (decimal, lengths > 0, ascending and non-overlapping, at most
// `max_ranges`, total at most `max_bytes`). Exposed for tests.
Result<std::vector<RangeRequest>> ParseRangeList(std::string_view text, size_t max_ranges,
                                                 uint64_t max_bytes);
std::string FormatRangeList(const std::vector<RangeRequest>& ranges);

}  // namespace sluice::agent
