// A thin SQLite connection wrapper: errors as Status, prepared statements cached by SQL text.
// Not thread-safe: SqliteMetadataStore uses it from a single thread.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/bytes.h"
#include "common/status.h"

namespace sluice::metadata {

// A cached prepared statement in use; resets it (and clears bindings) when it goes out of scope.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Statement();
  Statement(Statement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;

  // Parameters are numbered from 1, as in SQL (?1, ?2, ...).
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, const std::string& value);
  Statement& Bind(int index, ByteView value);
  Statement& BindNull(int index);

  // true when a row is available, false when done.
  Result<bool> Step();
  // Runs to completion, ignoring rows.
  Status Run();

  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::string Text(int column) const;
  Bytes Blob(int column) const;

 private:
  sqlite3_stmt* stmt_;
  Status bind_error_;
};

class SqliteDb {
 public:
  // path ":memory:" opens a private in-memory database.
  static Result<std::unique_ptr<SqliteDb>> Open(const std::string& path);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one or more statements without parameters (schema scripts, pragmas, BEGIN/COMMIT).
  Status Exec(const std::string& sql);
  // The cached prepared statement for `sql` (one statement).
  Result<Statement> Prepare(const std::string& sql);
  // Runs fn inside BEGIN IMMEDIATE ... COMMIT; rolls back when fn fails.
  template <typename Fn>
  auto InTransaction(Fn fn) -> decltype(fn());

  Status Error(const std::string& what) const;

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

template <typename Fn>
auto SqliteDb::InTransaction(Fn fn) -> decltype(fn()) {
  SLUICE_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto result = fn();
  if (!result.ok()) {
    (void)Exec("ROLLBACK");
    return result;
  }
  Status committed = Exec("COMMIT");
  if (!committed.ok()) {
    (void)Exec("ROLLBACK");
    return committed;
  }
  return result;
}

}  // namespace sluice::metadata
