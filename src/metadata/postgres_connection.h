// One libpq connection: parameterized statements only (PQexecParams, text format; BYTEA travels
// as \x hex), errors turned into Status with the failure kind remembered so the transaction
// runner can tell a serialization failure or a lost connection from a real error.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace sluice::metadata {

// Why the last statement failed.
enum class PgFailure {
  kNone,
  kRetryable,       // SQLSTATE 40001 (serialization failure) or 40P01 (deadlock)
  kConnectionLost,  // the server went away; the transaction (if any) is gone with it
  kOther,
};

// A statement parameter in text format; nullopt is SQL NULL.
class PgParam {
 public:
  PgParam(int64_t v) : text_(std::to_string(v)) {}   // NOLINT: implicit by design
  PgParam(int32_t v) : text_(std::to_string(v)) {}   // NOLINT
  PgParam(int16_t v) : text_(std::to_string(v)) {}   // NOLINT
  PgParam(std::string v) : text_(std::move(v)) {}    // NOLINT
  PgParam(const char* v) : text_(std::string(v)) {}  // NOLINT
  PgParam(ByteView bytes);                           // NOLINT: BYTEA as \x hex
  static PgParam Null() { return PgParam(); }
  const char* c_str() const { return text_ ? text_->c_str() : nullptr; }

 private:
  PgParam() = default;
  std::optional<std::string> text_;
};

// The rows of one statement's answer.
class PgResult {
 public:
  explicit PgResult(PGresult* res) : res_(res, &PQclear) {}
  int rows() const { return PQntuples(res_.get()); }
  // Rows changed by INSERT/UPDATE/DELETE.
  int64_t affected() const;
  bool IsNull(int row, int col) const { return PQgetisnull(res_.get(), row, col) != 0; }
  std::string Text(int row, int col) const;
  // Integer columns; a value that does not parse is an error, never a crash.
  Result<int64_t> Int(int row, int col) const;
  Result<Bytes> Bytea(int row, int col) const;

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> res_;
};

class PgConnection {
 public:
  // `conninfo` is a postgres:// URL or key=value string; every new session gets
  // statement_timeout = `statement_timeout_ms`.
  static Result<std::unique_ptr<PgConnection>> Connect(const std::string& conninfo,
                                                       int statement_timeout_ms);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // One parameterized statement.
  Result<PgResult> Exec(const std::string& sql, const std::vector<PgParam>& params = {});
  // A script of several statements without parameters (migrations only).
  Status ExecScript(const std::string& sql);

  PgFailure last_failure() const { return last_failure_; }
  bool broken() const { return PQstatus(conn_) != CONNECTION_OK; }
  // Re-establishes a lost session (PQreset) and re-applies the session settings.
  Status Reconnect();

 private:
  PgConnection(PGconn* conn, int statement_timeout_ms)
      : conn_(conn), statement_timeout_ms_(statement_timeout_ms) {}
  Status ApplySessionSettings();
  Status Fail(PGresult* res, const std::string& what);

  PGconn* conn_;
  int statement_timeout_ms_;
  PgFailure last_failure_ = PgFailure::kNone;
};

// Checks the syntax of a postgres:// URL (or key=value conninfo) without connecting.
Status ValidatePostgresConninfo(const std::string& conninfo);

}  // namespace sluice::metadata
