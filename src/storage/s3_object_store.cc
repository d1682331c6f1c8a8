#include "storage/s3_object_store.h"

#include <charconv>
#include <limits>
#include <optional>

#include "storage/object_key.h"
#include "storage/object_store_checks.h"
#include "storage/s3_sigv4.h"
#include "storage/s3_xml.h"

namespace sluice::storage {

namespace {

constexpr uint64_t kToEnd = std::numeric_limits<uint64_t>::max();
constexpr size_t kMaxKeysPerDelete = 1000;  // S3's limit for one DeleteObjects request
constexpr int kMaxKeysPerList = 1000;       // S3 never returns more per page

bool IsRetryableStatus(int status) { return status == 429 || status >= 500; }

bool IsRetryableError(const Status& status) {
  return status.code() == StatusCode::kUnavailable || status.code() == StatusCode::kTimeout;
}

// The total object size from "Content-Range: bytes a-b/total".
std::optional<uint64_t> ContentRangeTotal(const std::string& header) {
  size_t slash = header.rfind('/');
  if (slash == std::string::npos) return std::nullopt;
  uint64_t total = 0;
  const char* begin = header.data() + slash + 1;
  const char* end = header.data() + header.size();
  auto [ptr, ec] = std::from_chars(begin, end, total);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return total;
}

}  // namespace

Result<std::unique_ptr<S3ObjectStore>> S3ObjectStore::Open(S3Config config,
                                                           S3CredentialsProvider credentials,
                                                           S3StoreOptions options) {
  if (!credentials) return Status::InvalidArgument("s3: no credentials provider");
  Result<SigV4Credentials> probe = credentials();
  if (!probe.ok()) return probe.status();
  if (options.retry.max_attempts < 1) {
    return Status::InvalidArgument("s3: retry.max_attempts must be at least 1");
  }
  return std::unique_ptr<S3ObjectStore>(
      new S3ObjectStore(std::move(config), std::move(credentials), std::move(options)));
}

S3ObjectStore::S3ObjectStore(S3Config config, S3CredentialsProvider credentials,
                             S3StoreOptions options)
    : config_(std::move(config)),
      credentials_(std::move(credentials)),
      options_(std::move(options)),
      jitter_(std::random_device{}()),
      work_(io_.get_executor()),
      http_(io_.get_executor(), HttpEndpoint{config_.tls, config_.host, config_.port},
            options_.http),
      thread_([this] { io_.run(); }) {}

S3ObjectStore::~S3ObjectStore() {
  work_.reset();
  io_.stop();
  thread_.join();
}

template <typename R, typename Fn>
Task<R> S3ObjectStore::OnIoThread(Fn fn) {
  // Named lambda and optional result: see common/blocking.h for the g++ 12 / Boost 1.74
  // reasons.
  auto job = [fn = std::move(fn)]() mutable -> Task<std::optional<R>> {
    co_return std::optional<R>(co_await fn());
  };
  std::optional<R> out =
      co_await asio::co_spawn(io_.get_executor(), std::move(job), asio::use_awaitable);
  co_return std::move(*out);
}

std::chrono::milliseconds S3ObjectStore::BackoffDelay(int attempt) {
  // Exponential with "equal jitter": a random delay in [d/2, d], d = base * 2^(attempt-1).
  auto ceiling = options_.retry.base_delay * (int64_t{1} << std::min(attempt - 1, 20));
  ceiling = std::min<std::chrono::milliseconds>(ceiling, options_.retry.max_delay);
  int64_t half = ceiling.count() / 2;
  std::uniform_int_distribution<int64_t> pick(half, std::max<int64_t>(half, ceiling.count()));
  return std::chrono::milliseconds(pick(jitter_));
}

Task<Result<HttpResponse>> S3ObjectStore::Execute(const Call& call) {
  const std::string payload_hash = Sha256Hex(call.body);
  const std::string query = CanonicalQueryString(call.query);
  HttpRequest request;
  request.method = call.method;
  request.target = call.path + (query.empty() ? "" : "?" + query);
  request.body = call.body;
  Result<HttpResponse> last = Status::Internal("s3: no attempt made");
  for (int attempt = 1; attempt <= options_.retry.max_attempts; ++attempt) {
    if (attempt > 1) {
      asio::steady_timer timer(io_.get_executor(), BackoffDelay(attempt - 1));
      boost::system::error_code ignored;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    Result<SigV4Credentials> credentials = credentials_();
    if (!credentials.ok()) co_return credentials.status();

    // Signed afresh each attempt: the signature covers x-amz-date.
    SigV4Request signing;
    signing.method = call.method;
    signing.canonical_uri = call.path;
    signing.canonical_query = query;
    signing.payload_sha256_hex = payload_hash;
    signing.headers = call.headers;
    const std::string amz_date = AmzDate(options_.now());
    signing.headers.emplace_back("host", config_.HostHeader());
    signing.headers.emplace_back("x-amz-date", amz_date);
    signing.headers.emplace_back("x-amz-content-sha256", payload_hash);
    if (!credentials->session_token.empty()) {
      signing.headers.emplace_back("x-amz-security-token", credentials->session_token);
    }
    request.headers = signing.headers;
    request.headers.emplace_back(
        "authorization", SigV4Authorization(signing, *credentials, amz_date, config_.region));

    auto started = std::chrono::steady_clock::now();
    last = co_await http_.Send(request, options_.retry.request_timeout);
    auto latency_us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
    bool retryable = last.ok() ? IsRetryableStatus(last->status) : IsRetryableError(last.status());
    bool error = !last.ok() || (last->status >= 400 && last->status != 404 && last->status != 416);
    counters_.RecordRequest(call.op, attempt > 1, error, call.body.size(),
                            last.ok() ? last->body.size() : 0, static_cast<uint64_t>(latency_us));
    if (!retryable) break;
  }
  co_return last;
}

Status S3ObjectStore::ErrorFor(const std::string& what, const HttpResponse& response) const {
  S3ErrorBody body = ParseErrorBody(AsString(response.body));
  std::string message =
      "s3 " + what + " on " + config_.Describe() + ": HTTP " + std::to_string(response.status);
  if (!body.code.empty()) message += " " + body.code;
  if (!body.message.empty()) message += " (" + body.message + ")";
  // A missing bucket is a configuration problem, not a missing object.
  if (response.status == 404 && body.code != "NoSuchBucket") return Status::NotFound(message);
  if (response.status == 429 || response.status >= 500) return Status::Unavailable(message);
  return Status::IOError(message);
}

Task<Status> S3ObjectStore::Put(std::string key, Bytes data) {
  SLUICE_CO_RETURN_IF_ERROR(ValidateObjectKey(key));
  auto work = [this, key = std::move(key), data = std::move(data)]() mutable {
    return PutOnIo(std::move(key), std::move(data));
  };
  co_return co_await OnIoThread<Status>(std::move(work));
}

Task<Status> S3ObjectStore::PutOnIo(std::string key, Bytes data) {
  Call call{S3Operation::kPut, "PUT", config_.PathFor(key), {}, {}, std::move(data)};
  call.headers.emplace_back("content-type", "application/octet-stream");
  Result<HttpResponse> response = co_await Execute(call);
  if (!response.ok()) co_return response.status();
  if (response->status != 200) co_return ErrorFor("PUT '" + key + "'", *response);
  co_return Status::Ok();
}

Task<Result<Bytes>> S3ObjectStore::Get(std::string key, uint64_t offset, uint64_t length) {
  SLUICE_CO_RETURN_IF_ERROR(ValidateObjectKey(key));
  if (length != kToEnd && length > kToEnd - offset) {
    co_return Status::InvalidArgument("read of '" + key + "' [" + std::to_string(offset) + ", +" +
                                      std::to_string(length) + ") is past any end");
  }
  auto work = [this, key = std::move(key), offset, length]() mutable {
    return GetOnIo(std::move(key), offset, length);
  };
  co_return co_await OnIoThread<Result<Bytes>>(std::move(work));
}

Task<Result<uint64_t>> S3ObjectStore::HeadSize(const std::string& key) {
  Call call{S3Operation::kGet, "HEAD", config_.PathFor(key), {}, {}, {}};
  Result<HttpResponse> response = co_await Execute(call);
  if (!response.ok()) co_return response.status();
  if (response->status != 200) co_return ErrorFor("HEAD '" + key + "'", *response);
  std::string length = response->Header("content-length");
  uint64_t size = 0;
  auto [ptr, ec] = std::from_chars(length.data(), length.data() + length.size(), size);
  if (length.empty() || ec != std::errc() || ptr != length.data() + length.size()) {
    co_return Status::Corruption("s3 HEAD '" + key + "': bad Content-Length '" + length + "'");
  }
  co_return size;
}

Task<Result<Bytes>> S3ObjectStore::GetOnIo(std::string key, uint64_t offset, uint64_t length) {
  if (length == 0) {
    // HTTP cannot ask for zero bytes; the size alone says whether the range is valid.
    SLUICE_CO_ASSIGN_OR_RETURN(uint64_t size, co_await HeadSize(key));
    SLUICE_CO_RETURN_IF_ERROR(ResolveReadLength(key, size, offset, length).status());
    co_return Bytes{};
  }
  // Always an explicit first byte: suffix ranges (bytes=-N) are mishandled by some servers.
  std::string range = "bytes=" + std::to_string(offset) + "-" +
                      (length == kToEnd ? "" : std::to_string(offset + length - 1));
  Call call{S3Operation::kGet, "GET", config_.PathFor(key), {}, {{"range", range}}, {}};
  Result<HttpResponse> response = co_await Execute(call);
  if (!response.ok()) co_return response.status();
  if (response->status == 416) {
    // Nothing at or after `offset`: fine only when reading to the end from exactly the end.
    SLUICE_CO_ASSIGN_OR_RETURN(uint64_t size, co_await HeadSize(key));
    SLUICE_CO_ASSIGN_OR_RETURN(uint64_t n, ResolveReadLength(key, size, offset, length));
    if (n != 0) co_return Status::Unavailable("s3 GET '" + key + "': 416 for a valid range");
    co_return Bytes{};
  }
  if (response->status == 200) {
    // The server ignored Range and sent the whole object.
    Bytes& whole = response->body;
    SLUICE_CO_ASSIGN_OR_RETURN(uint64_t n, ResolveReadLength(key, whole.size(), offset, length));
    co_return Bytes(whole.begin() + static_cast<ptrdiff_t>(offset),
                    whole.begin() + static_cast<ptrdiff_t>(offset + n));
  }
  if (response->status != 206) co_return ErrorFor("GET '" + key + "'", *response);
  std::optional<uint64_t> total = ContentRangeTotal(response->Header("content-range"));
  if (!total) {
    co_return Status::Corruption("s3 GET '" + key + "': 206 without a usable Content-Range");
  }
  // S3 shortens a range that runs past the end; the contract says that is an error.
  SLUICE_CO_ASSIGN_OR_RETURN(uint64_t n, ResolveReadLength(key, *total, offset, length));
  if (response->body.size() != n) {
    co_return Status::Corruption("s3 GET '" + key + "': expected " + std::to_string(n) +
                                 " bytes, got " + std::to_string(response->body.size()));
  }
  co_return std::move(response->body);
}

Task<Result<ListPage>> S3ObjectStore::List(std::string prefix, std::string continuation_token,
                                           int max_keys) {
  SLUICE_CO_RETURN_IF_ERROR(ValidateMaxKeys(max_keys));
  auto work = [this, prefix = std::move(prefix), token = std::move(continuation_token),
               max_keys]() mutable {
    return ListOnIo(std::move(prefix), std::move(token), max_keys);
  };
  co_return co_await OnIoThread<Result<ListPage>>(std::move(work));
}

Task<Result<ListPage>> S3ObjectStore::ListOnIo(std::string prefix, std::string start_after,
                                               int max_keys) {
  Call call{S3Operation::kList,
            "GET",
            config_.path_style ? "/" + UriEncode(config_.bucket, true) : "/",
            {},
            {},
            {}};
  call.query.emplace_back("list-type", "2");
  call.query.emplace_back("max-keys", std::to_string(std::min(max_keys, kMaxKeysPerList)));
  if (!prefix.empty()) call.query.emplace_back("prefix", prefix);
  if (!start_after.empty()) call.query.emplace_back("start-after", start_after);
  Result<HttpResponse> response = co_await Execute(call);
  if (!response.ok()) co_return response.status();
  if (response->status != 200) co_return ErrorFor("LIST '" + prefix + "'", *response);
  SLUICE_CO_ASSIGN_OR_RETURN(S3ListResult result, ParseListObjectsV2(AsString(response->body)));
  ListPage page;
  page.objects = std::move(result.objects);
  if (page.objects.size() > static_cast<size_t>(max_keys)) {
    co_return Status::Corruption("s3 LIST: " + std::to_string(page.objects.size()) +
                                 " keys for max-keys " + std::to_string(max_keys));
  }
  for (const auto& object : page.objects) {
    if (!object.key.starts_with(prefix) || object.key <= start_after) {
      co_return Status::Corruption("s3 LIST: key '" + object.key + "' is outside the request");
    }
  }
  if (result.is_truncated) {
    if (page.objects.empty()) co_return Status::Corruption("s3 LIST: truncated empty page");
    page.next_token = page.objects.back().key;
  }
  co_return page;
}

Task<Status> S3ObjectStore::Delete(std::vector<std::string> keys) {
  for (const auto& key : keys) SLUICE_CO_RETURN_IF_ERROR(ValidateObjectKey(key));
  if (keys.empty()) co_return Status::Ok();
  auto work = [this, keys = std::move(keys)]() mutable { return DeleteOnIo(std::move(keys)); };
  co_return co_await OnIoThread<Status>(std::move(work));
}

Task<Status> S3ObjectStore::DeleteOnIo(std::vector<std::string> keys) {
  for (size_t start = 0; start < keys.size(); start += kMaxKeysPerDelete) {
    size_t end = std::min(keys.size(), start + kMaxKeysPerDelete);
    std::vector<std::string> batch(keys.begin() + static_cast<ptrdiff_t>(start),
                                   keys.begin() + static_cast<ptrdiff_t>(end));
    Bytes body = ToBytes(DeleteRequestXml(batch));
    Call call{S3Operation::kDelete,
              "POST",
              config_.path_style ? "/" + UriEncode(config_.bucket, true) : "/",
              {{"delete", ""}},
              {{"content-md5", Md5Base64(body)}, {"content-type", "application/xml"}},
              std::move(body)};
    Result<HttpResponse> response = co_await Execute(call);
    if (!response.ok()) co_return response.status();
    if (response->status != 200) co_return ErrorFor("DELETE", *response);
    SLUICE_CO_ASSIGN_OR_RETURN(std::vector<S3DeleteError> errors,
                               ParseDeleteResult(AsString(response->body)));
    for (const auto& error : errors) {
      if (error.code == "NoSuchKey") continue;  // missing keys are not an error
      co_return Status::IOError("s3 DELETE '" + error.key + "' on " + config_.Describe() + ": " +
                                error.code + " (" + error.message + ")");
    }
  }
  co_return Status::Ok();
}

}  // namespace sluice::storage
