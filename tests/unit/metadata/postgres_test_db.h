// The PostgreSQL side of the metadata tests: SLUICE_TEST_POSTGRES_URL (set by
// scripts/with-postgres.sh) names a database; every test gets its own schema in it, selected with
// search_path, so tests never see each other's tables. Without the variable the tests skip.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "metadata/postgres_connection.h"

namespace sluice::metadata::testing {

inline std::string PostgresTestUrl() {
  const char* url = std::getenv("SLUICE_TEST_POSTGRES_URL");
  return url ? url : "";
}

inline constexpr char kNoPostgres[] =
    "SLUICE_TEST_POSTGRES_URL is not set (scripts/with-postgres.sh sets it)";

// A schema name unique to a test's temp dir: "sluice_" + hex of the directory name.
inline std::string SchemaFor(const std::filesystem::path& dir) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name = "sluice_";
  for (unsigned char c : dir.filename().string()) {
    name.push_back(kHex[c >> 4]);
    name.push_back(kHex[c & 0xf]);
  }
  return name;
}

// Runs one statement as the test database's owner; failures are test failures.
inline void AdminExec(const std::string& sql) {
  auto conn = PgConnection::Connect(PostgresTestUrl(), 60000);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  auto done = (*conn)->Exec(sql);
  ASSERT_TRUE(done.ok()) << sql << ": " << done.status().ToString();
}

// The test URL with sessions confined to `schema` (created if missing) and tagged with it as
// application_name, so a test can find (and terminate) its own store's connections.
inline std::string PostgresUrlForSchema(const std::string& schema) {
  AdminExec("CREATE SCHEMA IF NOT EXISTS " + schema);
  std::string url = PostgresTestUrl();
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += "options=-csearch_path%3D" + schema + "&application_name=" + schema;
  return url;
}

inline void DropSchema(const std::string& schema) {
  AdminExec("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
}

}  // namespace sluice::metadata::testing
