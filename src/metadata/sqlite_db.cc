#include "metadata/sqlite_db.h"

namespace sluice::metadata {

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Statement& Statement::Bind(int index, int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK && bind_error_.ok()) {
    bind_error_ = Status::Internal("bind parameter " + std::to_string(index));
  }
  return *this;
}

Statement& Statement::Bind(int index, const std::string& value) {
  if (sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                        SQLITE_TRANSIENT) != SQLITE_OK &&
      bind_error_.ok()) {
    bind_error_ = Status::Internal("bind parameter " + std::to_string(index));
  }
  return *this;
}

Statement& Statement::Bind(int index, ByteView value) {
  // A zero-length blob must still bind as a blob, not NULL: pass a non-null pointer.
  static const uint8_t kEmpty = 0;
  if (sqlite3_bind_blob(stmt_, index, value.empty() ? &kEmpty : value.data(),
                        static_cast<int>(value.size()), SQLITE_TRANSIENT) != SQLITE_OK &&
      bind_error_.ok()) {
    bind_error_ = Status::Internal("bind parameter " + std::to_string(index));
  }
  return *this;
}

Statement& Statement::BindNull(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK && bind_error_.ok()) {
    bind_error_ = Status::Internal("bind parameter " + std::to_string(index));
  }
  return *this;
}

Result<bool> Statement::Step() {
  if (!bind_error_.ok()) return bind_error_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3* db = sqlite3_db_handle(stmt_);
  std::string message = std::string("sqlite: ") + sqlite3_errmsg(db) + " in: " + sqlite3_sql(stmt_);
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return Status::Unavailable(message);
  if ((rc & 0xff) == SQLITE_CONSTRAINT) return Status::Conflict(message);
  return Status::Internal(message);
}

Status Statement::Run() {
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

std::string Statement::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  return text ? std::string(reinterpret_cast<const char*>(text), n) : std::string();
}

Bytes Statement::Blob(int column) const {
  const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, column));
  int n = sqlite3_column_bytes(stmt_, column);
  return data ? Bytes(data, data + n) : Bytes();
}

Result<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw));
  if (rc != SQLITE_OK) {
    return Status::IOError("open sqlite database " + path + ": " +
                           (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

SqliteDb::~SqliteDb() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  if (db_) sqlite3_close_v2(db_);
}

Status SqliteDb::Error(const std::string& what) const {
  std::string message = "sqlite: " + what + ": " + sqlite3_errmsg(db_);
  int rc = sqlite3_errcode(db_);
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return Status::Unavailable(message);
  return Status::Internal(message);
}

Status SqliteDb::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err ? err : "unknown error";
    sqlite3_free(err);
    return Status::Internal("sqlite: " + message + " in: " + sql.substr(0, 200));
  }
  return Status::Ok();
}

Result<Statement> SqliteDb::Prepare(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) {
    // A statement still being stepped by an outer caller would be reset under its feet.
    if (sqlite3_stmt_busy(it->second)) return Status::Internal("statement in use: " + sql);
    return Statement(it->second);
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt, nullptr) != SQLITE_OK) {
    return Error("prepare '" + sql + "'");
  }
  statements_.emplace(sql, stmt);
  return Statement(stmt);
}

}  // namespace sluice::metadata
