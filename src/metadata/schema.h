// The metadata schema as an ordered list of migrations. The SQL is kept portable to PostgreSQL:
// only INTEGER, BIGINT, TEXT and BLOB columns (a PostgreSQL back end maps BLOB to BYTEA), no
// AUTOINCREMENT, no SQLite-only syntax; each back end runs every script in its own transaction.
#pragma once

#include <span>

namespace sluice::metadata {

struct Migration {
  int version;  // 1, 2, 3, ... in order; recorded in schema_migrations
  const char* name;
  const char* sql;  // one or more statements separated by ';'
};

std::span<const Migration> SchemaMigrations();

}  // namespace sluice::metadata
