// The S3 back end against a scripted fake server: request shapes, retries with backoff, timeouts,
// connection resets, error mapping and counters. (The shared suite in object_store_test.cc runs
// it against s3rver.)
#include "storage/s3_object_store.h"

#include <gtest/gtest.h>

#include <limits>

#include "await.h"
#include "fake_http_server.h"
#include "storage/bucket_url.h"
#include "storage/object_store.h"

namespace sluice::storage {
namespace {

using testing::Await;
using testing::FakeHttpServer;

constexpr uint64_t kToEnd = std::numeric_limits<uint64_t>::max();

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::unique_ptr<S3ObjectStore> OpenAgainst(const FakeHttpServer& server, S3RetryPolicy retry = {}) {
  auto url = ParseBucketUrl("s3://bkt?region=eu-west-1&endpoint=" + server.endpoint());
  EXPECT_TRUE(url.ok());
  auto config = S3ConfigFromBucketUrl(*url);
  EXPECT_TRUE(config.ok()) << config.status().ToString();
  S3StoreOptions options;
  options.retry = retry;
  options.retry.base_delay = std::chrono::milliseconds(5);
  options.retry.max_delay = std::chrono::milliseconds(20);
  auto store =
      S3ObjectStore::Open(*config,
                          EnvironmentCredentials(FakeEnv({{"AWS_ACCESS_KEY_ID", "AK"},
                                                          {"AWS_SECRET_ACCESS_KEY", "SK"},
                                                          {"AWS_SESSION_TOKEN", "TOKEN"}})),
                          options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return std::move(store).value();
}

TEST(S3ConfigTest, StylesAndValidation) {
  auto parse = [](const std::string& url) {
    auto parsed = ParseBucketUrl(url);
    EXPECT_TRUE(parsed.ok()) << url;
    return S3ConfigFromBucketUrl(*parsed);
  };
  auto aws = parse("s3://my-bucket?region=eu-west-3");
  ASSERT_TRUE(aws.ok());
  EXPECT_FALSE(aws->path_style);
  EXPECT_TRUE(aws->tls);
  EXPECT_EQ(aws->HostHeader(), "my-bucket.s3.eu-west-3.amazonaws.com");
  EXPECT_EQ(aws->PathFor("a b/c"), "/a%20b/c");

  auto forced = parse("s3://my-bucket?region=eu-west-3&s3ForcePathStyle=true");
  ASSERT_TRUE(forced.ok());
  EXPECT_EQ(forced->HostHeader(), "s3.eu-west-3.amazonaws.com");
  EXPECT_EQ(forced->PathFor("k"), "/my-bucket/k");

  auto local = parse("s3://b?endpoint=http://127.0.0.1:4568&s3ForcePathStyle=true&prefix=x/");
  ASSERT_TRUE(local.ok());
  EXPECT_FALSE(local->tls);
  EXPECT_EQ(local->host, "127.0.0.1");
  EXPECT_EQ(local->port, 4568);
  EXPECT_EQ(local->region, "us-east-1");
  EXPECT_EQ(local->HostHeader(), "127.0.0.1:4568");
  EXPECT_EQ(local->PathFor("k"), "/b/k");

  auto https = parse("s3://b?endpoint=https://minio.example:443/");
  ASSERT_TRUE(https.ok());
  EXPECT_TRUE(https->tls && https->path_style);
  EXPECT_EQ(https->HostHeader(), "minio.example");

  for (const char* bad :
       {"s3://b?endpoint=ftp://x", "s3://b?endpoint=http://x:0", "s3://b?endpoint=http://x:99999",
        "s3://b?endpoint=http://x/path", "s3://b?endpoint=http://", "s3://b?s3ForcePathStyle=yes",
        "s3://b?region=EU%20WEST", "s3://b?color=blue"}) {
    auto r = parse(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(S3ConfigTest, CredentialsComeFromTheInjectedEnvironment) {
  auto missing = EnvironmentCredentials(FakeEnv({{"AWS_ACCESS_KEY_ID", "AK"}}))();
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
  auto ok = EnvironmentCredentials(
      FakeEnv({{"AWS_ACCESS_KEY_ID", "AK"}, {"AWS_SECRET_ACCESS_KEY", "SK"}}))();
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->access_key_id, "AK");
  EXPECT_EQ(ok->secret_access_key, "SK");
  EXPECT_EQ(ok->session_token, "");

  S3Config config;
  config.bucket = "b";
  config.host = "127.0.0.1";
  auto store = S3ObjectStore::Open(config, EnvironmentCredentials(FakeEnv({})));
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("AWS_ACCESS_KEY_ID"), std::string::npos);
}

TEST(S3ObjectStoreTest, PutSendsSignedWholeObject) {
  FakeHttpServer server({FakeHttpServer::Answer(200)});
  auto store = OpenAgainst(server);
  ASSERT_TRUE(Await(store->Put("dir/a b", ToBytes("payload"))).ok());
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "PUT");
  EXPECT_EQ(seen[0].target, "/bkt/dir/a%20b");
  EXPECT_EQ(seen[0].body, "payload");
  EXPECT_EQ(seen[0].Header("Content-Length"), "7");
  EXPECT_EQ(seen[0].Header("Host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(seen[0].Header("x-amz-content-sha256"), Sha256Hex(AsBytes("payload")));
  EXPECT_EQ(seen[0].Header("x-amz-security-token"), "TOKEN");
  std::string auth = seen[0].Header("Authorization");
  EXPECT_TRUE(auth.starts_with("AWS4-HMAC-SHA256 Credential=AK/")) << auth;
  EXPECT_NE(auth.find("/eu-west-1/s3/aws4_request"), std::string::npos) << auth;
  EXPECT_NE(auth.find("x-amz-security-token"), std::string::npos) << auth;
  EXPECT_EQ(store->Stats().put.requests, 1u);
  EXPECT_EQ(store->Stats().put.bytes_sent, 7u);
}

TEST(S3ObjectStoreTest, GetRetriesSlowDownThenSucceeds) {
  FakeHttpServer server({
      FakeHttpServer::Answer(503, "<Error><Code>SlowDown</Code></Error>"),
      FakeHttpServer::Answer(500, "<Error><Code>InternalError</Code></Error>"),
      FakeHttpServer::Answer(206, "llo", {{"Content-Range", "bytes 2-4/12"}}),
  });
  auto store = OpenAgainst(server);
  auto got = Await(store->Get("k", 2, 3));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(AsString(*got), "llo");
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 3u);
  for (const auto& s : seen) EXPECT_EQ(s.Header("Range"), "bytes=2-4");
  S3OperationStats stats = store->Stats().get;
  EXPECT_EQ(stats.requests, 3u);
  EXPECT_EQ(stats.retries, 2u);
  EXPECT_EQ(stats.errors, 2u);
  EXPECT_EQ(stats.bytes_received,
            std::string("<Error><Code>SlowDown</Code></Error>").size() +
                std::string("<Error><Code>InternalError</Code></Error>").size() + 3);
}

TEST(S3ObjectStoreTest, GivesUpAfterMaxAttempts) {
  std::vector<FakeHttpServer::Reply> script(
      10, FakeHttpServer::Answer(503, "<Error><Code>SlowDown</Code></Error>"));
  FakeHttpServer server(script);
  S3RetryPolicy retry;
  retry.max_attempts = 4;
  auto store = OpenAgainst(server, retry);
  auto got = Await(store->Get("k", 0, 10));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(got.status().message().find("SlowDown"), std::string::npos);
  EXPECT_EQ(server.requests().size(), 4u);
}

TEST(S3ObjectStoreTest, RetriesConnectionResetsAndTimeouts) {
  FakeHttpServer server({
      FakeHttpServer::Reset(),
      FakeHttpServer::Hang(),
      FakeHttpServer::Answer(200),
  });
  S3RetryPolicy retry;
  retry.request_timeout = std::chrono::milliseconds(300);
  auto store = OpenAgainst(server, retry);
  auto started = std::chrono::steady_clock::now();
  Status st = Await(store->Put("k", ToBytes("v")));
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(300));
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(store->Stats().put.retries, 2u);
  EXPECT_EQ(store->Stats().put.errors, 2u);
}

TEST(S3ObjectStoreTest, TimeoutWhenServerNeverAnswers) {
  FakeHttpServer server({FakeHttpServer::Hang(), FakeHttpServer::Hang()});
  S3RetryPolicy retry;
  retry.max_attempts = 2;
  retry.request_timeout = std::chrono::milliseconds(100);
  auto store = OpenAgainst(server, retry);
  auto got = Await(store->Get("k", 0, 1));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kTimeout);
}

TEST(S3ObjectStoreTest, NotFoundAndClientErrorsAreNotRetried) {
  FakeHttpServer server({
      FakeHttpServer::Answer(404, "<Error><Code>NoSuchKey</Code></Error>"),
      FakeHttpServer::Answer(403, "<Error><Code>AccessDenied</Code><Message>no</Message></Error>"),
      FakeHttpServer::Answer(404, "<Error><Code>NoSuchBucket</Code></Error>"),
  });
  auto store = OpenAgainst(server);
  auto missing = Await(store->Get("k", 0, kToEnd));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  auto denied = Await(store->Get("k", 0, kToEnd));
  EXPECT_EQ(denied.status().code(), StatusCode::kIOError);
  EXPECT_NE(denied.status().message().find("AccessDenied"), std::string::npos);
  // A missing bucket is a misconfiguration, not a missing key.
  auto no_bucket = Await(store->Get("k", 0, kToEnd));
  EXPECT_EQ(no_bucket.status().code(), StatusCode::kIOError);
  EXPECT_NE(no_bucket.status().message().find("NoSuchBucket"), std::string::npos);
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].Header("Range"), "bytes=0-");  // to the end, never a suffix range
  EXPECT_EQ(store->Stats().get.errors, 1u);        // the 403; a 404 is an answer, not an error
}

TEST(S3ObjectStoreTest, ShortRangeIsInvalidArgumentAndEndReadsAreEmpty) {
  FakeHttpServer server({
      // S3 clamps a range that runs past the end.
      FakeHttpServer::Answer(206, "45", {{"Content-Range", "bytes 3-4/5"}}),
      // Reading to the end from exactly the end: 416, then HEAD says the size.
      FakeHttpServer::Answer(416, "<Error><Code>InvalidRange</Code></Error>"),
      FakeHttpServer::Answer(200, "", {{"Content-Length", "5"}}),
  });
  auto store = OpenAgainst(server);
  auto past = Await(store->Get("k", 3, 3));
  EXPECT_EQ(past.status().code(), StatusCode::kInvalidArgument);
  auto end = Await(store->Get("k", 5, kToEnd));
  ASSERT_TRUE(end.ok()) << end.status().ToString();
  EXPECT_TRUE(end->empty());
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[2].method, "HEAD");
}

TEST(S3ObjectStoreTest, ListUsesStartAfterAndValidatesAnswer) {
  FakeHttpServer server({
      FakeHttpServer::Answer(200,
                             "<ListBucketResult><IsTruncated>true</IsTruncated>"
                             "<Contents><Key>p/1</Key><Size>3</Size>"
                             "<LastModified>2026-01-01T00:00:00.000Z</LastModified></Contents>"
                             "<Contents><Key>p/2</Key><Size>4</Size>"
                             "<LastModified>2026-01-01T00:00:00.000Z</LastModified></Contents>"
                             "<NextContinuationToken>opaque</NextContinuationToken>"
                             "</ListBucketResult>"),
      FakeHttpServer::Answer(200,
                             "<ListBucketResult><IsTruncated>false</IsTruncated>"
                             "<Contents><Key>p/3</Key><Size>5</Size></Contents>"
                             "</ListBucketResult>"),
      // A key the request could not have produced: rejected.
      FakeHttpServer::Answer(200,
                             "<ListBucketResult><IsTruncated>false</IsTruncated>"
                             "<Contents><Key>other</Key><Size>5</Size></Contents>"
                             "</ListBucketResult>"),
      FakeHttpServer::Answer(200, "<ListBucketResult><Contents>"),
  });
  auto store = OpenAgainst(server);
  auto first = Await(store->List("p/", "", 2));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->objects.size(), 2u);
  EXPECT_EQ(first->objects[1].key, "p/2");
  EXPECT_EQ(first->objects[1].size, 4u);
  EXPECT_EQ(first->next_token, "p/2");
  auto second = Await(store->List("p/", first->next_token, 2));
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ASSERT_EQ(second->objects.size(), 1u);
  EXPECT_EQ(second->next_token, "");
  EXPECT_EQ(Await(store->List("p/", "", 2)).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(Await(store->List("p/", "", 2)).status().code(), StatusCode::kCorruption);
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].target, "/bkt?list-type=2&max-keys=2&prefix=p%2F");
  EXPECT_EQ(seen[1].target, "/bkt?list-type=2&max-keys=2&prefix=p%2F&start-after=p%2F2");
}

TEST(S3ObjectStoreTest, DeleteRetries500AndReportsRealFailures) {
  FakeHttpServer server({
      FakeHttpServer::Answer(500, "<Error><Code>InternalError</Code></Error>"),
      FakeHttpServer::Answer(200,
                             "<DeleteResult><Error><Key>b</Key><Code>NoSuchKey</Code>"
                             "</Error></DeleteResult>"),
      FakeHttpServer::Answer(200,
                             "<DeleteResult><Error><Key>a</Key><Code>AccessDenied</Code>"
                             "<Message>no</Message></Error></DeleteResult>"),
  });
  auto store = OpenAgainst(server);
  ASSERT_TRUE(Await(store->Delete({"a", "b&c"})).ok());
  Status denied = Await(store->Delete({"a"}));
  EXPECT_EQ(denied.code(), StatusCode::kIOError);
  EXPECT_NE(denied.message().find("AccessDenied"), std::string::npos);
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/bkt?delete=");
  EXPECT_EQ(seen[0].Header("Content-MD5"), Md5Base64(AsBytes(seen[0].body)));
  EXPECT_NE(seen[0].body.find("<Key>b&amp;c</Key>"), std::string::npos);
  EXPECT_EQ(seen[0].body, seen[1].body);
  EXPECT_EQ(store->Stats().del.retries, 1u);
}

TEST(S3ObjectStoreTest, ConnectionsAreReused) {
  FakeHttpServer server(
      {FakeHttpServer::Answer(200), FakeHttpServer::Answer(200), FakeHttpServer::Answer(200)});
  auto store = OpenAgainst(server);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Await(store->Put("k", ToBytes("v"))).ok());
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(server.connections(), 1);
}

}  // namespace
}  // namespace sluice::storage
