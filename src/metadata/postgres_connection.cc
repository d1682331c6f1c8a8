#include "metadata/postgres_connection.h"

#include <charconv>
#include <cstring>

namespace sluice::metadata {

namespace {

constexpr char kHex[] = "0123456789abcdef";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// libpq error messages end with a newline.
std::string Trimmed(const char* message) {
  std::string out = message ? message : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

StatusCode CodeForSqlState(const std::string& state) {
  if (state == "23505") return StatusCode::kAlreadyExists;                 // unique_violation
  if (state == "40001" || state == "40P01") return StatusCode::kConflict;  // retry
  if (state == "57014") return StatusCode::kTimeout;                       // statement timeout
  if (state.starts_with("08") || state == "57P01") return StatusCode::kUnavailable;
  if (state.starts_with("22") || state.starts_with("23")) return StatusCode::kInvalidArgument;
  return StatusCode::kInternal;
}

}  // namespace

PgParam::PgParam(ByteView bytes) {
  std::string hex = "\\x";
  hex.reserve(2 + bytes.size() * 2);
  for (uint8_t b : bytes) {
    hex.push_back(kHex[b >> 4]);
    hex.push_back(kHex[b & 0xf]);
  }
  text_ = std::move(hex);
}

int64_t PgResult::affected() const {
  const char* n = PQcmdTuples(res_.get());
  int64_t value = 0;
  if (n == nullptr || *n == '\0') return 0;
  std::from_chars(n, n + std::strlen(n), value);
  return value;
}

std::string PgResult::Text(int row, int col) const {
  return std::string(PQgetvalue(res_.get(), row, col),
                     static_cast<size_t>(PQgetlength(res_.get(), row, col)));
}

Result<int64_t> PgResult::Int(int row, int col) const {
  const char* begin = PQgetvalue(res_.get(), row, col);
  const char* end = begin + PQgetlength(res_.get(), row, col);
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end || begin == end) {
    return Status::Corruption("column " + std::to_string(col) + " is not an integer: '" +
                              std::string(begin, end) + "'");
  }
  return value;
}

Result<Bytes> PgResult::Bytea(int row, int col) const {
  const std::string text = Text(row, col);
  if (text.size() < 2 || text[0] != '\\' || text[1] != 'x' || text.size() % 2 != 0) {
    return Status::Corruption("BYTEA column " + std::to_string(col) + " is not in hex format");
  }
  Bytes out;
  out.reserve((text.size() - 2) / 2);
  for (size_t i = 2; i < text.size(); i += 2) {
    const int hi = HexValue(text[i]);
    const int lo = HexValue(text[i + 1]);
    if (hi < 0 || lo < 0) return Status::Corruption("BYTEA column has a bad hex digit");
    out.push_back(static_cast<uint8_t>(hi << 4 | lo));
  }
  return out;
}

Status ValidatePostgresConninfo(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    std::string message = Trimmed(error ? error : "out of memory");
    if (error) PQfreemem(error);
    return Status::InvalidArgument("metadata URL is not a valid PostgreSQL URL: " + message);
  }
  PQconninfoFree(options);
  return Status::Ok();
}

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& conninfo,
                                                            int statement_timeout_ms) {
  SLUICE_RETURN_IF_ERROR(ValidatePostgresConninfo(conninfo));
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) return Status::ResourceExhausted("PQconnectdb: out of memory");
  std::unique_ptr<PgConnection> out(new PgConnection(conn, statement_timeout_ms));
  if (PQstatus(conn) != CONNECTION_OK) {
    return Status::Unavailable("connect to PostgreSQL: " + Trimmed(PQerrorMessage(conn)));
  }
  SLUICE_RETURN_IF_ERROR(out->ApplySessionSettings());
  return out;
}

PgConnection::~PgConnection() { PQfinish(conn_); }

Status PgConnection::ApplySessionSettings() {
  // Integers are interpolated (SET takes no parameters); everything else is fixed text.
  SLUICE_RETURN_IF_ERROR(
      Exec("SET statement_timeout = " + std::to_string(statement_timeout_ms_)).status());
  SLUICE_RETURN_IF_ERROR(Exec("SET TIME ZONE 'UTC'").status());
  // NOTICEs (e.g. "already exists, skipping") are expected and would only clutter stderr.
  return Exec("SET client_min_messages = warning").status();
}

Status PgConnection::Reconnect() {
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    last_failure_ = PgFailure::kConnectionLost;
    return Status::Unavailable("reconnect to PostgreSQL: " + Trimmed(PQerrorMessage(conn_)));
  }
  return ApplySessionSettings();
}

Status PgConnection::Fail(PGresult* res, const std::string& what) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = state ? state : "";
  std::string message = res ? Trimmed(PQresultErrorMessage(res)) : "";
  if (message.empty()) message = Trimmed(PQerrorMessage(conn_));
  if (res) PQclear(res);
  if (PQstatus(conn_) != CONNECTION_OK || sqlstate.starts_with("08") || sqlstate == "57P01") {
    last_failure_ = PgFailure::kConnectionLost;
    return Status::Unavailable(what + ": connection to PostgreSQL lost: " + message);
  }
  last_failure_ =
      (sqlstate == "40001" || sqlstate == "40P01") ? PgFailure::kRetryable : PgFailure::kOther;
  return Status(CodeForSqlState(sqlstate), what + ": " + message + " [" + sqlstate + "]");
}

Result<PgResult> PgConnection::Exec(const std::string& sql, const std::vector<PgParam>& params) {
  last_failure_ = PgFailure::kNone;
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const PgParam& p : params) values.push_back(p.c_str());
  PGresult* res = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, /*resultFormat=*/0);
  const ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return Fail(res, "PostgreSQL statement failed");
  }
  return PgResult(res);
}

Status PgConnection::ExecScript(const std::string& sql) {
  last_failure_ = PgFailure::kNone;
  PGresult* res = PQexec(conn_, sql.c_str());
  const ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return Fail(res, "PostgreSQL script failed");
  }
  PQclear(res);
  return Status::Ok();
}

}  // namespace sluice::metadata
