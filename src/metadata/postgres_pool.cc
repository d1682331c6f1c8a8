#include "metadata/postgres_pool.h"

namespace sluice::metadata {

Result<std::unique_ptr<PgPool>> PgPool::Open(const std::string& conninfo, int size,
                                             int statement_timeout_ms) {
  if (size < 1 || size > 256) {
    return Status::InvalidArgument("PostgreSQL pool size must be 1..256, got " +
                                   std::to_string(size));
  }
  std::vector<std::unique_ptr<PgConnection>> connections;
  for (int i = 0; i < size; ++i) {
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn,
                            PgConnection::Connect(conninfo, statement_timeout_ms));
    connections.push_back(std::move(conn));
  }
  return std::unique_ptr<PgPool>(new PgPool(std::move(connections)));
}

PgPool::PgPool(std::vector<std::unique_ptr<PgConnection>> connections)
    : connections_(std::move(connections)), threads_(connections_.size()) {
  for (auto& conn : connections_) free_.push_back(conn.get());
}

PgConnection* PgPool::Acquire() {
  // As many threads as connections: a free one always exists; the wait is only a safeguard.
  std::unique_lock lock(mutex_);
  available_.wait(lock, [this] { return !free_.empty(); });
  PgConnection* conn = free_.back();
  free_.pop_back();
  return conn;
}

void PgPool::Release(PgConnection* conn) {
  {
    std::lock_guard lock(mutex_);
    free_.push_back(conn);
  }
  available_.notify_one();
}

}  // namespace sluice::metadata
