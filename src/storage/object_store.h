// The object-store interface: every byte of record data lives behind it. Back ends: mem://, file://
// (and s3:// later). Objects are immutable: written once whole, read by byte range, deleted in
// batches.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/asio.h"
#include "common/bytes.h"
#include "common/status.h"

namespace sluice::storage {

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  int64_t last_modified_ms = 0;
};

struct ListPage {
  std::vector<ObjectInfo> objects;
  std::string next_token;  // empty when the listing is complete
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Writes the whole object atomically: readers see all of it or nothing.
  virtual Task<Status> Put(std::string key, Bytes data) = 0;
  // Reads [offset, offset + length). length == UINT64_MAX reads to the end. Reading past the end
  // is an error (InvalidArgument); a missing key is NotFound.
  virtual Task<Result<Bytes>> Get(std::string key, uint64_t offset, uint64_t length) = 0;
  // One page of keys starting with prefix, in lexicographic order.
  virtual Task<Result<ListPage>> List(std::string prefix, std::string continuation_token,
                                      int max_keys) = 0;
  // Deletes the keys; missing keys are not an error.
  virtual Task<Status> Delete(std::vector<std::string> keys) = 0;
  // A human-readable description for logs ("file:///var/lib/sluice/bucket").
  virtual std::string Describe() const = 0;
};

// Opens a store from a bucket URL: mem://NAME, file:///abs/path or file://relative/path.
// `executor` runs blocking I/O of back ends that need it.
Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const std::string& url,
                                                     asio::any_io_executor blocking_executor);

}  // namespace sluice::storage
