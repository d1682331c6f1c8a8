#include "storage/object_store_checks.h"

#include <limits>

namespace sluice::storage {

Result<uint64_t> ResolveReadLength(const std::string& key, uint64_t object_size, uint64_t offset,
                                   uint64_t length) {
  if (offset > object_size) {
    return Status::InvalidArgument("read of '" + key + "' at offset " + std::to_string(offset) +
                                   " is past its end (" + std::to_string(object_size) + " bytes)");
  }
  if (length == std::numeric_limits<uint64_t>::max()) return object_size - offset;
  if (length > object_size - offset) {
    return Status::InvalidArgument("read of '" + key + "' [" + std::to_string(offset) + ", +" +
                                   std::to_string(length) + ") is past its end (" +
                                   std::to_string(object_size) + " bytes)");
  }
  return length;
}

Status ValidateMaxKeys(int max_keys) {
  if (max_keys <= 0) {
    return Status::InvalidArgument("max_keys must be positive, got " + std::to_string(max_keys));
  }
  return Status::Ok();
}

}  // namespace sluice::storage
