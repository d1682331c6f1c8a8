// Wraps any ObjectStore and records, per operation (put, get, list, delete), requests, errors,
// bytes and latency in the metrics registry:
//   sluice_object_store_requests_total{operation}
//   sluice_object_store_errors_total{operation}       calls that returned an error (NotFound too)
//   sluice_object_store_bytes_total{operation}        put: bytes written, get: bytes read
//   sluice_object_store_request_duration_seconds{operation}   histogram
// A "request" is one call of the interface; a back end that retries (S3) counts its own attempts.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "storage/object_store.h"

namespace sluice::obs {
class Counter;
class Histogram;
class MetricsRegistry;
}  // namespace sluice::obs

namespace sluice::storage {

enum class ObjectStoreOperation { kPut = 0, kGet, kList, kDelete };
// "put", "get", "list", "delete": the operation label.
const char* ObjectStoreOperationName(ObjectStoreOperation op);

class CountingObjectStore final : public ObjectStore {
 public:
  // The registry must outlive the store.
  CountingObjectStore(std::unique_ptr<ObjectStore> inner, obs::MetricsRegistry& metrics);

  Task<Status> Put(std::string key, Bytes data) override;
  Task<Result<Bytes>> Get(std::string key, uint64_t offset, uint64_t length) override;
  Task<Result<ListPage>> List(std::string prefix, std::string continuation_token,
                              int max_keys) override;
  Task<Status> Delete(std::vector<std::string> keys) override;
  std::string Describe() const override { return inner_->Describe(); }

  ObjectStore& inner() { return *inner_; }
  uint64_t requests(ObjectStoreOperation op) const;
  uint64_t errors(ObjectStoreOperation op) const;
  uint64_t bytes(ObjectStoreOperation op) const;

 private:
  struct Series {
    obs::Counter* requests = nullptr;
    obs::Counter* errors = nullptr;
    obs::Counter* bytes = nullptr;
    obs::Histogram* seconds = nullptr;
  };
  void Record(ObjectStoreOperation op, bool ok, uint64_t bytes, double seconds);

  std::unique_ptr<ObjectStore> inner_;
  std::array<Series, 4> series_;
};

}  // namespace sluice::storage
