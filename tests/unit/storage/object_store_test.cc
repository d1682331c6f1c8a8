// One suite run against every ObjectStore back end.
#include "storage/object_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>

#include "await.h"
#include "temp_dir.h"

namespace sluice::storage {
namespace {

using testing::Await;
using testing::TempDir;

constexpr uint64_t kToEnd = std::numeric_limits<uint64_t>::max();

struct BackEnd {
  std::string name;
  // Bucket URL for a fresh, empty bucket under `dir` (ignored by mem:// and s3://); "" skips.
  std::string (*url)(const std::filesystem::path& dir);
  // Whether racing PUTs of one key leave exactly one whole version. Real S3 does; s3rver (the
  // test server behind s3://) writes the object file in place, so racing writes interleave.
  bool racing_puts_leave_one_version = true;
};

// The s3rver (or other S3) bucket named by scripts/with-s3rver.sh's variables, with a prefix of
// its own per test so every test starts with an empty "bucket"; "" when they are not set.
std::string S3TestUrl() {
  const char* endpoint = std::getenv("SLUICE_TEST_S3_ENDPOINT");
  if (endpoint == nullptr || *endpoint == '\0') return "";
  const char* bucket = std::getenv("SLUICE_TEST_S3_BUCKET");
  static int counter = 0;
  std::string prefix = "test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) +
                       "-" + std::to_string(std::time(nullptr));
  return std::string("s3://") + (bucket && *bucket ? bucket : "sluice-test") +
         "?region=us-east-1&s3ForcePathStyle=true&endpoint=" + endpoint + "&prefix=" + prefix;
}

class ObjectStoreTest : public ::testing::TestWithParam<BackEnd> {
 protected:
  void SetUp() override {
    std::string url = GetParam().url(dir_.path());
    if (url.empty()) GTEST_SKIP() << GetParam().name << ": SLUICE_TEST_S3_ENDPOINT is not set";
    auto opened = OpenObjectStore(url, pool_.get_executor());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }
  void TearDown() override {
    store_.reset();
    pool_.join();
  }

  void PutOk(const std::string& key, const std::string& data) {
    Status st = Await(store_->Put(key, ToBytes(data)));
    ASSERT_TRUE(st.ok()) << key << ": " << st.ToString();
  }
  std::string GetString(const std::string& key, uint64_t offset = 0, uint64_t length = kToEnd) {
    auto got = Await(store_->Get(key, offset, length));
    EXPECT_TRUE(got.ok()) << key << ": " << got.status().ToString();
    return got.ok() ? std::string(AsString(*got)) : "<error>";
  }
  std::vector<std::string> ListAll(const std::string& prefix, int page_size, int* pages = nullptr) {
    std::vector<std::string> keys;
    std::string token;
    int count = 0;
    do {
      auto page = Await(store_->List(prefix, token, page_size));
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) break;
      EXPECT_LE(static_cast<int>(page->objects.size()), page_size);
      for (const auto& o : page->objects) keys.push_back(o.key);
      token = page->next_token;
      ++count;
    } while (!token.empty() && count < 1000);
    if (pages) *pages = count;
    return keys;
  }

  TempDir dir_;
  asio::thread_pool pool_{2};
  std::unique_ptr<ObjectStore> store_;
};

TEST_P(ObjectStoreTest, PutThenGetWholeAndRanges) {
  PutOk("a", "hello, world");
  EXPECT_EQ(GetString("a"), "hello, world");
  EXPECT_EQ(GetString("a", 7, 5), "world");
  EXPECT_EQ(GetString("a", 0, 5), "hello");
  EXPECT_EQ(GetString("a", 7), "world");
  EXPECT_EQ(GetString("a", 12), "");
  EXPECT_EQ(GetString("a", 3, 0), "");
}

TEST_P(ObjectStoreTest, BinaryDataRoundTrips) {
  Bytes data(70000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 31 + 7);
  ASSERT_TRUE(Await(store_->Put("bin/blob", data)).ok());
  auto got = Await(store_->Get("bin/blob", 0, kToEnd));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, data);
  auto mid = Await(store_->Get("bin/blob", 65530, 100));
  ASSERT_TRUE(mid.ok());
  EXPECT_EQ(*mid, Bytes(data.begin() + 65530, data.begin() + 65630));
}

TEST_P(ObjectStoreTest, ReadPastEndIsInvalidArgument) {
  PutOk("a", "12345");
  auto r1 = Await(store_->Get("a", 3, 3));
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.status().code(), StatusCode::kInvalidArgument);
  auto r2 = Await(store_->Get("a", 6, kToEnd));
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.status().code(), StatusCode::kInvalidArgument);
  auto r3 = Await(store_->Get("a", 1, kToEnd - 1));
  ASSERT_FALSE(r3.ok());
  EXPECT_EQ(r3.status().code(), StatusCode::kInvalidArgument);
}

TEST_P(ObjectStoreTest, MissingKeyIsNotFound) {
  auto r = Await(store_->Get("nope", 0, kToEnd));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  PutOk("dir/x", "1");
  auto d = Await(store_->Get("dir", 0, kToEnd));  // a key prefix, not an object
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kNotFound);
}

TEST_P(ObjectStoreTest, OverwriteReplacesWholeObject) {
  PutOk("k", "a long first version");
  PutOk("k", "short");
  EXPECT_EQ(GetString("k"), "short");
  auto page = Await(store_->List("", "", 10));
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].size, 5u);
}

TEST_P(ObjectStoreTest, ListIsLexicographicPagedAndFiltered) {
  // Inserted out of order; note "a/b" < "a0" < "ab" bytewise.
  for (const char* key : {"ab", "a0", "b/1", "a/b", "a/a/z", "c", "a/c"}) PutOk(key, key);
  int pages = 0;
  EXPECT_EQ(ListAll("", 2, &pages),
            (std::vector<std::string>{"a/a/z", "a/b", "a/c", "a0", "ab", "b/1", "c"}));
  EXPECT_EQ(pages, 4);
  EXPECT_EQ(ListAll("a", 100), (std::vector<std::string>{"a/a/z", "a/b", "a/c", "a0", "ab"}));
  EXPECT_EQ(ListAll("a/", 1), (std::vector<std::string>{"a/a/z", "a/b", "a/c"}));
  EXPECT_EQ(ListAll("a/a", 3), (std::vector<std::string>{"a/a/z"}));
  EXPECT_TRUE(ListAll("zzz", 3).empty());
  EXPECT_TRUE(ListAll("b/2/", 3).empty());

  auto page = Await(store_->List("", "", 3));
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->objects.size(), 3u);
  EXPECT_EQ(page->next_token, "a/c");
  EXPECT_EQ(page->objects[0].size, 5u);  // "a/a/z"
  EXPECT_GT(page->objects[0].last_modified_ms, 0);

  // A page that ends exactly at the last key says the listing is complete.
  auto exact = Await(store_->List("a/", "", 3));
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->objects.size(), 3u);
  EXPECT_EQ(exact->next_token, "");

  auto bad = Await(store_->List("", "", 0));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST_P(ObjectStoreTest, DeleteRemovesAndIgnoresMissing) {
  PutOk("x/1", "1");
  PutOk("x/2", "2");
  PutOk("y", "3");
  ASSERT_TRUE(Await(store_->Delete({"x/1", "y", "never-existed", "x/none/deeper"})).ok());
  EXPECT_EQ(ListAll("", 10), (std::vector<std::string>{"x/2"}));
  EXPECT_EQ(Await(store_->Get("y", 0, kToEnd)).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(Await(store_->Delete({})).ok());
}

TEST_P(ObjectStoreTest, KeysWithSlashes) {
  PutOk("sluice/cluster-1/segments/0001", "deep");
  PutOk("sluice/cluster-1/segments/0002", "deeper");
  EXPECT_EQ(GetString("sluice/cluster-1/segments/0002"), "deeper");
  EXPECT_EQ(ListAll("sluice/cluster-1/seg", 1),
            (std::vector<std::string>{"sluice/cluster-1/segments/0001",
                                      "sluice/cluster-1/segments/0002"}));
}

TEST_P(ObjectStoreTest, RejectsBadKeys) {
  const std::string bad_keys[] = {"",
                                  "/abs",
                                  "a/../b",
                                  "..",
                                  "a//b",
                                  "a/",
                                  "./a",
                                  "a/./b",
                                  std::string("a\0b", 3),
                                  ".sluice-tmp-x"};
  for (const auto& key : bad_keys) {
    EXPECT_EQ(Await(store_->Put(key, ToBytes("x"))).code(), StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(Await(store_->Get(key, 0, kToEnd)).status().code(), StatusCode::kInvalidArgument)
        << key;
    EXPECT_EQ(Await(store_->Delete({key})).code(), StatusCode::kInvalidArgument) << key;
  }
  EXPECT_TRUE(ListAll("", 10).empty());
}

TEST_P(ObjectStoreTest, ConcurrentPutsFromManyCoroutines) {
  constexpr int kWriters = 16;
  constexpr int kPerWriter = 8;
  asio::io_context io;
  int failures = 0;
  for (int w = 0; w < kWriters; ++w) {
    asio::co_spawn(
        io,
        [&, w]() -> Task<void> {
          for (int i = 0; i < kPerWriter; ++i) {
            std::string key = "w" + std::to_string(w) + "/obj" + std::to_string(i);
            Status st = co_await store_->Put(key, ToBytes(key + ":" + std::string(1000 + w, 'x')));
            if (!st.ok()) ++failures;
          }
          // Everyone also races on one shared key: the result must be one whole version.
          std::string shared = "shared-by-" + std::to_string(w) + std::string(w * 100, 'y');
          if (!(co_await store_->Put("shared", ToBytes(shared))).ok()) ++failures;
        },
        asio::detached);
  }
  io.run();
  EXPECT_EQ(failures, 0);
  std::vector<std::string> keys = ListAll("w", 7);
  EXPECT_EQ(keys.size(), static_cast<size_t>(kWriters * kPerWriter));
  for (int w = 0; w < kWriters; ++w) {
    for (int i = 0; i < kPerWriter; ++i) {
      std::string key = "w" + std::to_string(w) + "/obj" + std::to_string(i);
      EXPECT_EQ(GetString(key), key + ":" + std::string(1000 + w, 'x'));
    }
  }
  if (!GetParam().racing_puts_leave_one_version) return;
  std::string shared = GetString("shared");
  ASSERT_TRUE(shared.starts_with("shared-by-"));
  int w = std::stoi(shared.substr(10));
  EXPECT_EQ(shared, "shared-by-" + std::to_string(w) + std::string(w * 100, 'y'));
}

INSTANTIATE_TEST_SUITE_P(
    BackEnds, ObjectStoreTest,
    ::testing::Values(
        BackEnd{"mem", [](const std::filesystem::path&) { return std::string("mem://test"); }},
        BackEnd{"file",
                [](const std::filesystem::path& dir) { return "file://" + dir.string() + "/b"; }},
        BackEnd{"mem_prefixed",
                [](const std::filesystem::path&) { return std::string("mem://t?prefix=p/q"); }},
        BackEnd{"file_prefixed",
                [](const std::filesystem::path& dir) {
                  return "file://" + dir.string() + "/b?prefix=/tenant/";
                }},
        BackEnd{"s3", [](const std::filesystem::path&) { return S3TestUrl(); }, false}),
    [](const ::testing::TestParamInfo<BackEnd>& info) { return info.param.name; });

// Under scripts/with-s3rver.sh --tls the suite above runs over HTTPS against a certificate trusted
// through SSL_CERT_FILE. Without that trust the same server must be refused: peer verification is
// on, not merely compiled in.
TEST(S3TlsTest, UntrustedCertificateIsRefused) {
  std::string url = S3TestUrl();
  const char* endpoint = std::getenv("SLUICE_TEST_S3_ENDPOINT");
  const char* trusted = std::getenv("SSL_CERT_FILE");
  if (url.empty() || std::string(endpoint).rfind("https://", 0) != 0 || trusted == nullptr) {
    GTEST_SKIP() << "needs scripts/with-s3rver.sh --tls";
  }
  const std::string saved = trusted;
  TempDir empty;
  ::setenv("SSL_CERT_FILE", (empty.path() / "none.pem").c_str(), 1);
  ::setenv("SSL_CERT_DIR", empty.path().c_str(), 1);
  {
    asio::thread_pool pool(1);
    auto opened = OpenObjectStore(url, pool.get_executor());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    Status put = Await((*opened)->Put("k", ToBytes("v")));
    EXPECT_FALSE(put.ok());
    opened->reset();
    pool.join();
  }
  ::setenv("SSL_CERT_FILE", saved.c_str(), 1);
  ::unsetenv("SSL_CERT_DIR");
}

TEST(MemObjectStoreTest, EachOpenGetsItsOwnBucket) {
  asio::thread_pool pool(1);
  auto a = OpenObjectStore("mem://same", pool.get_executor());
  auto b = OpenObjectStore("mem://same", pool.get_executor());
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(Await((*a)->Put("k", ToBytes("v"))).ok());
  EXPECT_EQ(Await((*b)->Get("k", 0, kToEnd)).status().code(), StatusCode::kNotFound);
  EXPECT_EQ((*a)->Describe(), "mem://same");
}

}  // namespace
}  // namespace sluice::storage
