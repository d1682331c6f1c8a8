// CountingObjectStore: every call of the wrapped store is counted by operation, with its bytes,
// errors and latency, and shows up in the Prometheus text.
#include "storage/counting_object_store.h"

#include <gtest/gtest.h>

#include "await.h"
#include "observability/metrics.h"
#include "storage/mem_object_store.h"

namespace sluice::storage {
namespace {

using testing::Await;
using Op = ObjectStoreOperation;

// A store whose calls all fail, to count errors without a real back end failing.
class FailingStore final : public ObjectStore {
 public:
  Task<Status> Put(std::string, Bytes) override { co_return Status::IOError("down"); }
  Task<Result<Bytes>> Get(std::string, uint64_t, uint64_t) override {
    co_return Status::IOError("down");
  }
  Task<Result<ListPage>> List(std::string, std::string, int) override {
    co_return Status::IOError("down");
  }
  Task<Status> Delete(std::vector<std::string>) override { co_return Status::IOError("down"); }
  std::string Describe() const override { return "failing://"; }
};

TEST(CountingObjectStore, CountsRequestsBytesAndErrorsPerOperation) {
  obs::MetricsRegistry metrics;
  CountingObjectStore store(std::make_unique<MemObjectStore>("counted"), metrics);
  EXPECT_EQ(store.Describe(), "mem://counted");

  ASSERT_TRUE(Await(store.Put("a/1", Bytes(1000, 7))).ok());
  ASSERT_TRUE(Await(store.Put("a/2", Bytes(24, 1))).ok());
  auto got = Await(store.Get("a/1", 100, 300));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, Bytes(300, 7));
  ASSERT_TRUE(Await(store.Get("a/2", 0, UINT64_MAX)).ok());
  EXPECT_EQ(Await(store.Get("a/missing", 0, 1)).status().code(), StatusCode::kNotFound);
  auto page = Await(store.List("a/", "", 10));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->objects.size(), 2u);
  ASSERT_TRUE(Await(store.Delete({"a/1", "a/2"})).ok());

  EXPECT_EQ(store.requests(Op::kPut), 2u);
  EXPECT_EQ(store.bytes(Op::kPut), 1024u);
  EXPECT_EQ(store.errors(Op::kPut), 0u);
  EXPECT_EQ(store.requests(Op::kGet), 3u);
  EXPECT_EQ(store.bytes(Op::kGet), 324u);
  EXPECT_EQ(store.errors(Op::kGet), 1u);
  EXPECT_EQ(store.requests(Op::kList), 1u);
  EXPECT_EQ(store.requests(Op::kDelete), 1u);
  EXPECT_EQ(store.errors(Op::kDelete), 0u);

  const std::string text = metrics.RenderPrometheus();
  EXPECT_NE(text.find("sluice_object_store_requests_total{operation=\"get\"} 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("sluice_object_store_bytes_total{operation=\"put\"} 1024\n"),
            std::string::npos);
  EXPECT_NE(text.find("sluice_object_store_errors_total{operation=\"get\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("sluice_object_store_request_duration_seconds_count{operation=\"put\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("sluice_object_store_request_duration_seconds_bucket{operation=\"list\","
                      "le=\"+Inf\"} 1\n"),
            std::string::npos);
}

TEST(CountingObjectStore, CountsFailuresOfEveryOperation) {
  obs::MetricsRegistry metrics;
  CountingObjectStore store(std::make_unique<FailingStore>(), metrics);
  EXPECT_FALSE(Await(store.Put("k", Bytes(10))).ok());
  EXPECT_FALSE(Await(store.Get("k", 0, 1)).ok());
  EXPECT_FALSE(Await(store.List("", "", 1)).ok());
  EXPECT_FALSE(Await(store.Delete({"k"})).ok());
  for (Op op : {Op::kPut, Op::kGet, Op::kList, Op::kDelete}) {
    EXPECT_EQ(store.requests(op), 1u) << ObjectStoreOperationName(op);
    EXPECT_EQ(store.errors(op), 1u) << ObjectStoreOperationName(op);
    EXPECT_EQ(store.bytes(op), 0u) << ObjectStoreOperationName(op);
  }
}

TEST(CountingObjectStore, TwoStoresOnOneRegistryShareTheSeries) {
  // The agent wraps one store; a second wrapper (e.g. a tool) adds to the same series.
  obs::MetricsRegistry metrics;
  CountingObjectStore a(std::make_unique<MemObjectStore>("a"), metrics);
  CountingObjectStore b(std::make_unique<MemObjectStore>("b"), metrics);
  ASSERT_TRUE(Await(a.Put("x", Bytes(5))).ok());
  ASSERT_TRUE(Await(b.Put("x", Bytes(6))).ok());
  EXPECT_EQ(a.requests(Op::kPut), 2u);
  EXPECT_EQ(b.bytes(Op::kPut), 11u);
}

}  // namespace
}  // namespace sluice::storage
