// The PostgreSQL form of the shared schema migrations (schema.h): the same tables and versions,
// with SQLite's BLOB column type spelled BYTEA.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::metadata {

struct PostgresMigration {
  int version;
  std::string name;
  std::string sql;
};

std::vector<PostgresMigration> PostgresSchemaMigrations();

// Key of the advisory lock held while migrating, so agents starting together migrate one by one.
inline constexpr int64_t kMigrationAdvisoryLock = 0x736c75696365;  // "sluice"

}  // namespace sluice::metadata
