// Small helpers shared by the PostgreSQL store's source files. The topic argument rules repeat
// sqlite_metadata_store.cc's (kept private there); both back ends must reject the same input.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "common/status.h"
#include "metadata/postgres_connection.h"

namespace sluice::metadata {

inline constexpr int32_t kPostgresMaxPartitions = 100000;

inline Status ValidateTopicName(const std::string& name) {
  if (name.empty()) return Status::InvalidArgument("topic name is empty");
  if (name.size() > 249) return Status::InvalidArgument("topic name longer than 249 characters");
  if (name == "." || name == "..") {
    return Status::InvalidArgument("topic name cannot be '.' or '..'");
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) {
      return Status::InvalidArgument("topic name '" + name +
                                     "' may only contain letters, digits, '.', '_' and '-'");
    }
  }
  return Status::Ok();
}

inline Status ValidatePartitionCount(int32_t n) {
  if (n < 1 || n > kPostgresMaxPartitions) {
    return Status::InvalidArgument("partition count must be between 1 and " +
                                   std::to_string(kPostgresMaxPartitions) + ", got " +
                                   std::to_string(n));
  }
  return Status::Ok();
}

// An INTEGER column, range-checked.
inline Result<int32_t> Int32At(const PgResult& res, int row, int col) {
  SLUICE_ASSIGN_OR_RETURN(const int64_t value, res.Int(row, col));
  if (value < std::numeric_limits<int32_t>::min() || value > std::numeric_limits<int32_t>::max()) {
    return Status::Corruption("column " + std::to_string(col) + " out of 32-bit range");
  }
  return static_cast<int32_t>(value);
}

}  // namespace sluice::metadata
