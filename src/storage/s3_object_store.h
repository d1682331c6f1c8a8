// The s3:// back end: ObjectStore over the S3 REST API (PutObject, ranged GetObject,
// ListObjectsV2, multi-object DeleteObjects), signed with SigV4.
//
// The store owns one I/O thread: every call hops onto it, so callers may use any executor, and
// the connection pool needs no locks. Failed requests that may succeed on a second try (transport
// errors, timeouts, 429 and 5xx including SlowDown) are retried with exponential backoff and
// jitter; all our operations are idempotent, so that is always safe.
//
// Listing pages: the continuation token handed to callers is the last key of the page, and the
// next page is asked for with ListObjectsV2's start-after. The ObjectStore contract (and
// PrefixedObjectStore) treat a token as a key, which S3's opaque NextContinuationToken is not.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "storage/object_store.h"
#include "storage/s3_config.h"
#include "storage/s3_credentials.h"
#include "storage/s3_http_client.h"
#include "storage/s3_stats.h"

namespace sluice::storage {

struct S3RetryPolicy {
  int max_attempts = 6;
  std::chrono::milliseconds base_delay{50};
  std::chrono::milliseconds max_delay{3000};
  std::chrono::milliseconds request_timeout{30000};  // per HTTP request (attempt)
};

struct S3StoreOptions {
  S3RetryPolicy retry;
  HttpClientOptions http;
  // The signing clock; tests may fix it.
  std::function<std::chrono::system_clock::time_point()> now = [] {
    return std::chrono::system_clock::now();
  };
};

class S3ObjectStore final : public ObjectStore {
 public:
  // Fails when the credentials provider has nothing to offer, so a misconfigured agent stops at
  // start-up rather than on its first flush.
  static Result<std::unique_ptr<S3ObjectStore>> Open(S3Config config,
                                                     S3CredentialsProvider credentials,
                                                     S3StoreOptions options = {});
  ~S3ObjectStore() override;

  Task<Status> Put(std::string key, Bytes data) override;
  Task<Result<Bytes>> Get(std::string key, uint64_t offset, uint64_t length) override;
  Task<Result<ListPage>> List(std::string prefix, std::string continuation_token,
                              int max_keys) override;
  Task<Status> Delete(std::vector<std::string> keys) override;
  std::string Describe() const override { return config_.Describe(); }

  S3Stats Stats() const { return counters_.Snapshot(); }

 private:
  struct Call {
    S3Operation op;
    std::string method;
    std::string path;
    std::vector<std::pair<std::string, std::string>> query;
    std::vector<std::pair<std::string, std::string>> headers;  // besides host/x-amz-*
    Bytes body;
  };

  S3ObjectStore(S3Config config, S3CredentialsProvider credentials, S3StoreOptions options);

  // Runs `fn` (returning Task<R>) on the I/O thread and resumes the caller with its result.
  template <typename R, typename Fn>
  Task<R> OnIoThread(Fn fn);

  // Signs and sends `call`, retrying what is worth retrying; the last answer or transport error.
  Task<Result<HttpResponse>> Execute(const Call& call);
  std::chrono::milliseconds BackoffDelay(int attempt);
  // Turns an unexpected answer into a Status naming the key and S3's error code.
  Status ErrorFor(const std::string& what, const HttpResponse& response) const;

  Task<Status> PutOnIo(std::string key, Bytes data);
  Task<Result<Bytes>> GetOnIo(std::string key, uint64_t offset, uint64_t length);
  Task<Result<uint64_t>> HeadSize(const std::string& key);
  Task<Result<ListPage>> ListOnIo(std::string prefix, std::string start_after, int max_keys);
  Task<Status> DeleteOnIo(std::vector<std::string> keys);

  const S3Config config_;
  const S3CredentialsProvider credentials_;
  const S3StoreOptions options_;
  S3Counters counters_;
  std::mt19937_64 jitter_;  // I/O thread only
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  HttpClient http_;  // I/O thread only; destroyed before io_
  std::thread thread_;
};

}  // namespace sluice::storage
