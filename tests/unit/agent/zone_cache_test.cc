// ZoneCache: three agents on one io_context, each with its own FileCache, HttpServer on loopback
// and a StaticClusterView listing all three, over one shared in-memory bucket. Each agent counts
// the GETs it sends to the bucket, so the tests see which agent read what.
#include "agent/fetch/zone_cache.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <set>

#include "network/http_server.h"
#include "observability/metrics.h"
#include "storage/counting_object_store.h"
#include "storage/mem_object_store.h"
#include "storage/s3_http_client.h"
#include "storage/s3_sigv4.h"

namespace sluice::agent {
namespace {

using storage::ObjectStoreOperation;
using Pieces = std::vector<std::shared_ptr<const Bytes>>;

constexpr const char* kPrefix = "sluice/cluster-1/";

// Forwards to a bucket it does not own, so each agent can wrap the shared bucket in its own
// CountingObjectStore.
class SharedBucket final : public storage::ObjectStore {
 public:
  explicit SharedBucket(storage::ObjectStore& bucket) : bucket_(bucket) {}
  Task<Status> Put(std::string key, Bytes data) override {
    return bucket_.Put(std::move(key), std::move(data));
  }
  Task<Result<Bytes>> Get(std::string key, uint64_t offset, uint64_t length) override {
    return bucket_.Get(std::move(key), offset, length);
  }
  Task<Result<storage::ListPage>> List(std::string prefix, std::string token,
                                       int max_keys) override {
    return bucket_.List(std::move(prefix), std::move(token), max_keys);
  }
  Task<Status> Delete(std::vector<std::string> keys) override {
    return bucket_.Delete(std::move(keys));
  }
  std::string Describe() const override { return bucket_.Describe(); }

 private:
  storage::ObjectStore& bucket_;
};

metadata::AgentRecord Record(int32_t node_id, uint16_t http_port, std::string zone = "",
                             std::string roles = "proxy,jobs") {
  metadata::AgentRecord r;
  r.node_id = node_id;
  r.agent.host = "127.0.0.1";
  r.agent.kafka_port = 9092;
  r.agent.http_port = http_port;
  r.agent.roles = std::move(roles);
  r.agent.availability_zone = std::move(zone);
  return r;
}

struct TestAgent {
  TestAgent(asio::io_context& io, storage::ObjectStore& bucket, int32_t node_id,
            ZoneCacheOptions options, uint64_t cache_bytes = 1 << 20)
      : store(std::make_unique<SharedBucket>(bucket), metrics),
        cache(io.get_executor(), store, cache_bytes),
        view(Record(node_id, 0)),
        peers(io.get_executor()),
        zone(io.get_executor(), cache, peers, options),
        http(io.get_executor(), HttpServerOptions{"127.0.0.1", 0}) {
    zone.SetCluster(view);
    zone.RegisterRoutes(http);
  }
  uint64_t gets() const { return store.requests(ObjectStoreOperation::kGet); }

  obs::MetricsRegistry metrics;
  storage::CountingObjectStore store;
  FileCache cache;
  StaticClusterView view;
  PeerClients peers;
  ZoneCache zone;
  HttpServer http;
};

class ZoneCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ZoneCacheOptions options;
    options.key_prefix = kPrefix;
    options.peer_timeout = std::chrono::milliseconds(2000);
    options.max_request_bytes = 1 << 20;
    for (int32_t id = 1; id <= 3; ++id) {
      agents_.push_back(std::make_unique<TestAgent>(io_, bucket_, id, options));
    }
    AgentList live;
    for (size_t i = 0; i < agents_.size(); ++i) {
      ASSERT_TRUE(agents_[i]->http.Start().ok());
      live.push_back(Record(static_cast<int32_t>(i + 1), agents_[i]->http.port()));
    }
    for (size_t i = 0; i < agents_.size(); ++i) {
      agents_[i]->view.SetSelf(live[i]);
      agents_[i]->view.SetLive(live);
    }
  }

  void TearDown() override {
    for (auto& agent : agents_) Run(agent->http.Stop(std::chrono::milliseconds(100)));
  }

  // Runs the event loop until `task` has finished.
  template <typename T>
  T Run(Task<T> task) {
    std::optional<T> out;
    asio::co_spawn(io_, std::move(task), [&](std::exception_ptr e, T value) {
      if (e) std::rethrow_exception(e);
      out.emplace(std::move(value));
    });
    while (!out) io_.run_one();
    return std::move(*out);
  }
  void Run(Task<void> task) {
    bool done = false;
    asio::co_spawn(io_, std::move(task), [&](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
      done = true;
    });
    while (!done) io_.run_one();
  }

  // Result<T> cannot be a coroutine's completion value in Boost 1.74; box it.
  Result<Pieces> Read(TestAgent& agent, const std::string& key, std::vector<RangeRequest> ranges) {
    auto boxed = [](ZoneCache& zone, std::string k,
                    std::vector<RangeRequest> r) -> Task<std::optional<Result<Pieces>>> {
      co_return co_await zone.Read(k, std::move(r));
    };
    return std::move(*Run(boxed(agent.zone, key, std::move(ranges))));
  }

  Bytes PutObject(const std::string& key, size_t size) {
    Bytes data(size);
    std::mt19937 rng(static_cast<uint32_t>(std::hash<std::string>()(key)));
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    Status put = Run(bucket_.Put(key, data));
    EXPECT_TRUE(put.ok()) << put.ToString();
    return data;
  }

  // A key under the prefix whose owner is agent `owner` (index into agents_).
  std::string KeyOwnedBy(size_t owner, int start = 0) {
    for (int i = start; i < start + 1000; ++i) {
      std::string key = std::string(kPrefix) + "segments/obj-" + std::to_string(i);
      if (!agents_[owner]->zone.RemoteOwner(key)) return key;
    }
    ADD_FAILURE() << "no key owned by agent " << owner;
    return "";
  }

  static Bytes Slice(const Bytes& data, RangeRequest r) {
    return Bytes(data.begin() + static_cast<ptrdiff_t>(r.offset),
                 data.begin() + static_cast<ptrdiff_t>(r.offset + r.length));
  }

  asio::io_context io_;
  storage::MemObjectStore bucket_{"zone"};
  std::vector<std::unique_ptr<TestAgent>> agents_;
};

TEST_F(ZoneCacheTest, EveryAgentAgreesOnOneOwnerPerKeyAndOwnersAreSpread) {
  std::set<int32_t> owners_seen;
  for (int i = 0; i < 60; ++i) {
    std::string key = std::string(kPrefix) + "segments/k" + std::to_string(i);
    std::vector<size_t> self_owned;
    std::set<int32_t> named;
    for (size_t a = 0; a < agents_.size(); ++a) {
      auto owner = agents_[a]->zone.RemoteOwner(key);
      if (!owner) {
        self_owned.push_back(a);
      } else {
        named.insert(owner->node_id);
      }
    }
    ASSERT_EQ(self_owned.size(), 1u) << key;
    const int32_t owner_id = static_cast<int32_t>(self_owned[0] + 1);
    ASSERT_EQ(named, std::set<int32_t>{owner_id}) << key;
    owners_seen.insert(owner_id);
  }
  EXPECT_EQ(owners_seen, (std::set<int32_t>{1, 2, 3}));
}

TEST_F(ZoneCacheTest, OnlyProxiesOfTheSameZoneWithAnHttpPortOwnKeys) {
  TestAgent& a = *agents_[0];
  auto self = Record(1, a.http.port(), "zone-a");
  a.view.SetSelf(self);
  a.view.SetLive({self, Record(2, 8081, "zone-b"), Record(3, 8082, "zone-a", "jobs"),
                  Record(4, 0, "zone-a"), Record(5, 8085, "zone-a")});
  int owned_by_self = 0;
  for (int i = 0; i < 60; ++i) {
    auto owner = a.zone.RemoteOwner(std::string(kPrefix) + "x" + std::to_string(i));
    if (!owner) {
      owned_by_self++;
    } else {
      EXPECT_EQ(owner->node_id, 5);
    }
  }
  EXPECT_GT(owned_by_self, 10);
  EXPECT_LT(owned_by_self, 50);

  // Alone in the view (membership not running): everything is local.
  a.view.SetLive({self});
  EXPECT_FALSE(a.zone.RemoteOwner(std::string(kPrefix) + "x1"));
  a.view.SetLive({});
  EXPECT_FALSE(a.zone.RemoteOwner(std::string(kPrefix) + "x1"));
  // No view at all (before the agent has one): local too.
  ZoneCache unset(io_.get_executor(), a.cache, a.peers, ZoneCacheOptions{kPrefix});
  EXPECT_FALSE(unset.RemoteOwner(std::string(kPrefix) + "x1"));
}

TEST_F(ZoneCacheTest, RemoteReadReturnsTheStoreBytesAndOnlyTheOwnerGets) {
  const std::string key = KeyOwnedBy(1);
  Bytes data = PutObject(key, 10000);
  std::vector<RangeRequest> ranges{{0, 100}, {100, 900}, {5000, 4000}, {9999, 1}};

  auto from_a = Read(*agents_[0], key, ranges);
  ASSERT_TRUE(from_a.ok()) << from_a.status().ToString();
  ASSERT_EQ(from_a->size(), ranges.size());
  for (size_t i = 0; i < ranges.size(); ++i) EXPECT_EQ(*(*from_a)[i], Slice(data, ranges[i]));
  EXPECT_EQ(agents_[0]->gets(), 0u);
  EXPECT_EQ(agents_[1]->gets(), 3u);  // runs of adjacent ranges: [0,1000) [5000,9000) [9999,10000)
  EXPECT_EQ(agents_[0]->zone.stats().peer_ok, 1u);
  EXPECT_EQ(agents_[1]->zone.stats().served_requests, 1u);
  EXPECT_EQ(agents_[1]->zone.stats().served_bytes, 5001u);

  // The third agent and the owner itself are served from the owner's cache: no new GET.
  auto from_c = Read(*agents_[2], key, {{100, 900}, {9999, 1}});
  ASSERT_TRUE(from_c.ok());
  EXPECT_EQ(*(*from_c)[0], Slice(data, {100, 900}));
  EXPECT_EQ(*(*from_c)[1], Slice(data, {9999, 1}));
  auto from_b = Read(*agents_[1], key, {{0, 100}});
  ASSERT_TRUE(from_b.ok());
  EXPECT_EQ(*(*from_b)[0], Slice(data, {0, 100}));
  EXPECT_EQ(agents_[1]->gets(), 3u);
  EXPECT_EQ(agents_[2]->gets(), 0u);
  EXPECT_EQ(agents_[1]->zone.stats().local_reads, 1u);
  // Non-owners keep no copy: the owner's cache is the zone's only copy.
  EXPECT_EQ(agents_[0]->cache.size_bytes(), 0u);
  EXPECT_EQ(agents_[2]->cache.size_bytes(), 0u);
  EXPECT_EQ(agents_[1]->cache.size_bytes(), 5001u);
}

TEST_F(ZoneCacheTest, ConcurrentIdenticalReadsShareOnePeerRequest) {
  const std::string key = KeyOwnedBy(2);
  Bytes data = PutObject(key, 4096);
  std::vector<RangeRequest> ranges{{0, 1024}, {1024, 1024}, {3000, 96}};
  constexpr int kReaders = 6;
  int done = 0;
  for (int i = 0; i < kReaders; ++i) {
    asio::co_spawn(
        io_,
        [&]() -> Task<void> {
          auto pieces = co_await agents_[0]->zone.Read(key, ranges);
          EXPECT_TRUE(pieces.ok());
          if (pieces.ok()) {
            for (size_t r = 0; r < ranges.size(); ++r) {
              EXPECT_EQ(*(*pieces)[r], Slice(data, ranges[r]));
            }
          }
          done++;
        },
        asio::detached);
  }
  while (done < kReaders) io_.run_one();
  EXPECT_EQ(agents_[0]->zone.stats().peer_ok, 1u);
  EXPECT_EQ(agents_[0]->zone.stats().peer_merged, (kReaders - 1) * ranges.size());
  EXPECT_EQ(agents_[2]->zone.stats().served_requests, 1u);
  EXPECT_EQ(agents_[2]->gets(), 2u);
  EXPECT_EQ(agents_[0]->gets(), 0u);
}

TEST_F(ZoneCacheTest, OwnerDownFallsBackToTheStoreAndBacksOff) {
  const std::string key = KeyOwnedBy(1);
  Bytes data = PutObject(key, 2048);
  Run(agents_[1]->http.Stop(std::chrono::milliseconds(10)));

  auto first = Read(*agents_[0], key, {{0, 512}, {1024, 1024}});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*(*first)[0], Slice(data, {0, 512}));
  EXPECT_EQ(*(*first)[1], Slice(data, {1024, 1024}));
  EXPECT_EQ(agents_[0]->zone.stats().peer_unavailable, 1u);
  EXPECT_EQ(agents_[0]->zone.stats().fallback_ranges, 2u);
  EXPECT_EQ(agents_[0]->gets(), 2u);

  // Within the back-off the owner is not asked again; the local copy answers.
  auto second = Read(*agents_[0], key, {{1024, 1024}});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*(*second)[0], Slice(data, {1024, 1024}));
  EXPECT_EQ(agents_[0]->zone.stats().peer_unavailable, 1u);
  EXPECT_EQ(agents_[0]->zone.stats().peer_skipped, 1u);
  EXPECT_EQ(agents_[0]->gets(), 2u);
  EXPECT_EQ(agents_[0]->cache.stats().hits, 1u);
}

TEST_F(ZoneCacheTest, OwnerSendingTheWrongBytesIsNotTrusted) {
  // A "peer" that answers 200 with a body of the wrong size.
  HttpServer liar(io_.get_executor(), HttpServerOptions{"127.0.0.1", 0});
  liar.Route("GET", kZoneCacheRangesPath, [](const HttpRequest&) -> Task<HttpResponse> {
    co_return HttpResponse::Text(200, "short");
  });
  ASSERT_TRUE(liar.Start().ok());
  TestAgent& a = *agents_[0];
  auto self = Record(1, a.http.port());
  a.view.SetLive({self, Record(9, liar.port())});
  std::string key;
  for (int i = 0; key.empty() && i < 1000; ++i) {
    std::string k = std::string(kPrefix) + "l" + std::to_string(i);
    if (a.zone.RemoteOwner(k)) key = k;
  }
  Bytes data = PutObject(key, 300);
  auto read = Read(a, key, {{10, 100}});
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*(*read)[0], Slice(data, {10, 100}));
  EXPECT_EQ(a.zone.stats().peer_error, 1u);
  EXPECT_EQ(a.zone.stats().fallback_ranges, 1u);
  Run(liar.Stop(std::chrono::milliseconds(10)));
}

TEST_F(ZoneCacheTest, MissingObjectIsNotFoundThroughThePeer) {
  const std::string key = KeyOwnedBy(1) + "-missing";
  auto read = Read(*agents_[0], key, {{0, 10}});
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kNotFound);
}

TEST_F(ZoneCacheTest, EndpointValidatesEveryInput) {
  const std::string key = std::string(kPrefix) + "segments/validated";
  Bytes data = PutObject(key, 1000);
  PutObject("other-cluster/segments/x", 100);
  storage::HttpClient client(io_.get_executor(),
                             storage::HttpEndpoint{false, "127.0.0.1", agents_[0]->http.port()});
  auto get = [&](const std::string& query) {
    storage::HttpRequest request;
    request.method = "GET";
    request.target = std::string(kZoneCacheRangesPath) + query;
    auto boxed = [](storage::HttpClient& c,
                    storage::HttpRequest r) -> Task<std::optional<Result<storage::HttpResponse>>> {
      co_return co_await c.Send(r, std::chrono::milliseconds(2000));
    };
    auto response = std::move(*Run(boxed(client, request)));
    EXPECT_TRUE(response.ok()) << query;
    return response.ok() ? *response : storage::HttpResponse{};
  };
  const std::string k = "?key=" + storage::UriEncode(key, true);

  auto ok = get(k + "&r=0-10,500-20");
  ASSERT_EQ(ok.status, 200);
  Bytes expected = Slice(data, {0, 10});
  Bytes tail = Slice(data, {500, 20});
  expected.insert(expected.end(), tail.begin(), tail.end());
  EXPECT_EQ(ok.body, expected);

  for (const std::string& bad :
       {std::string("?r=0-10"), k, k + "&r=", k + "&r=abc", k + "&r=10", k + "&r=0-0",
        k + "&r=-1-5", k + "&r=0-10,", k + "&r=5-10,0-2", k + "&r=0-10,5-10", k + "&r=0-4294967296",
        k + "&r=18446744073709551615-2", k + "&r=99999999999999999999999-1", k + "&r=0-1048577",
        k + "&r=0-600000,600000-600000", k + "&r=990-20",
        std::string("?key=other-cluster%2Fsegments%2Fx&r=0-10"),
        "?key=" + storage::UriEncode(std::string(kPrefix) + "../x", true) + "&r=0-1",
        "?key=" + storage::UriEncode(std::string(kPrefix) + "a//b", true) + "&r=0-1"}) {
    EXPECT_EQ(get(bad).status, 400) << bad;
  }
  std::string too_many = k + "&r=";
  for (int i = 0; i < 1025; ++i) too_many += (i ? "," : "") + std::to_string(i) + "-1";
  EXPECT_EQ(get(too_many).status, 400);
  auto missing = get("?key=" + storage::UriEncode(key + "-gone", true) + "&r=0-1");
  EXPECT_EQ(missing.status, 404);
  EXPECT_GE(agents_[0]->zone.stats().served_rejected, 20u);
  EXPECT_EQ(agents_[0]->zone.stats().served_requests, 1u);
}

TEST(RangeList, ParsesAndFormats) {
  auto parsed = ParseRangeList("0-10,10-5,100-1", 10, 100);
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->size(), 3u);
  EXPECT_EQ((*parsed)[1].offset, 10u);
  EXPECT_EQ((*parsed)[1].length, 5u);
  EXPECT_EQ(FormatRangeList(*parsed), "0-10,10-5,100-1");
  EXPECT_FALSE(ParseRangeList("0-10,10-5,100-1", 2, 100).ok());
  EXPECT_FALSE(ParseRangeList("0-60,60-41", 10, 100).ok());
  EXPECT_FALSE(ParseRangeList("+1-5", 10, 100).ok());
  EXPECT_FALSE(ParseRangeList("1-5-6", 10, 100).ok());
}

}  // namespace
}  // namespace sluice::agent
