#include "storage/counting_object_store.h"

#include <chrono>

#include "observability/metrics.h"

namespace sluice::storage {

namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

const char* ObjectStoreOperationName(ObjectStoreOperation op) {
  switch (op) {
    case ObjectStoreOperation::kPut:
      return "put";
    case ObjectStoreOperation::kGet:
      return "get";
    case ObjectStoreOperation::kList:
      return "list";
    case ObjectStoreOperation::kDelete:
      return "delete";
  }
  return "unknown";
}

CountingObjectStore::CountingObjectStore(std::unique_ptr<ObjectStore> inner,
                                         obs::MetricsRegistry& metrics)
    : inner_(std::move(inner)) {
  auto& requests = metrics.AddCounter("sluice_object_store_requests_total",
                                      "Object-store calls by operation.", {"operation"});
  auto& errors = metrics.AddCounter("sluice_object_store_errors_total",
                                    "Object-store calls that returned an error.", {"operation"});
  auto& bytes = metrics.AddCounter("sluice_object_store_bytes_total",
                                   "Bytes written (put) and read (get) from the object store.",
                                   {"operation"});
  // 1 ms .. ~33 s: object-store latencies span local files to slow S3 requests with retries.
  auto& seconds = metrics.AddHistogram("sluice_object_store_request_duration_seconds",
                                       "Object-store call latency, retries included.",
                                       obs::ExponentialBuckets(0.001, 2, 16), {"operation"});
  for (auto op : {ObjectStoreOperation::kPut, ObjectStoreOperation::kGet,
                  ObjectStoreOperation::kList, ObjectStoreOperation::kDelete}) {
    const std::vector<std::string> label{ObjectStoreOperationName(op)};
    series_[static_cast<size_t>(op)] = {&requests.WithLabels(label), &errors.WithLabels(label),
                                        &bytes.WithLabels(label), &seconds.WithLabels(label)};
  }
}

void CountingObjectStore::Record(ObjectStoreOperation op, bool ok, uint64_t bytes, double seconds) {
  Series& s = series_[static_cast<size_t>(op)];
  s.requests->Inc();
  if (!ok) s.errors->Inc();
  if (bytes) s.bytes->Inc(bytes);
  s.seconds->Observe(seconds);
}

uint64_t CountingObjectStore::requests(ObjectStoreOperation op) const {
  return series_[static_cast<size_t>(op)].requests->Value();
}
uint64_t CountingObjectStore::errors(ObjectStoreOperation op) const {
  return series_[static_cast<size_t>(op)].errors->Value();
}
uint64_t CountingObjectStore::bytes(ObjectStoreOperation op) const {
  return series_[static_cast<size_t>(op)].bytes->Value();
}

Task<Status> CountingObjectStore::Put(std::string key, Bytes data) {
  const auto start = std::chrono::steady_clock::now();
  const uint64_t size = data.size();
  Status status = co_await inner_->Put(std::move(key), std::move(data));
  Record(ObjectStoreOperation::kPut, status.ok(), status.ok() ? size : 0, SecondsSince(start));
  co_return status;
}

Task<Result<Bytes>> CountingObjectStore::Get(std::string key, uint64_t offset, uint64_t length) {
  const auto start = std::chrono::steady_clock::now();
  Result<Bytes> data = co_await inner_->Get(std::move(key), offset, length);
  Record(ObjectStoreOperation::kGet, data.ok(), data.ok() ? data->size() : 0, SecondsSince(start));
  co_return data;
}

Task<Result<ListPage>> CountingObjectStore::List(std::string prefix, std::string continuation_token,
                                                 int max_keys) {
  const auto start = std::chrono::steady_clock::now();
  Result<ListPage> page =
      co_await inner_->List(std::move(prefix), std::move(continuation_token), max_keys);
  Record(ObjectStoreOperation::kList, page.ok(), 0, SecondsSince(start));
  co_return page;
}

Task<Status> CountingObjectStore::Delete(std::vector<std::string> keys) {
  const auto start = std::chrono::steady_clock::now();
  Status status = co_await inner_->Delete(std::move(keys));
  Record(ObjectStoreOperation::kDelete, status.ok(), 0, SecondsSince(start));
  co_return status;
}

}  // namespace sluice::storage
