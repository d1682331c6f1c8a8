// A fixed pool of PostgreSQL connections, each used by one blocking thread at a time, and the
// transaction runner that retries serialization failures and deadlocks and survives one lost
// connection (database restart, pg_terminate_backend) by reconnecting.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "common/asio.h"
#include "common/blocking.h"
#include "metadata/postgres_connection.h"

namespace sluice::metadata {

class PgPool {
 public:
  // Opens `size` connections up front so a bad URL or an unreachable server fails at start-up.
  static Result<std::unique_ptr<PgPool>> Open(const std::string& conninfo, int size,
                                              int statement_timeout_ms);
  ~PgPool() { threads_.join(); }  // joined before the connections close

  // Runs fn(PgConnection&) on a pool thread with a connection nobody else uses meanwhile.
  // Callers pass a named lambda (see common/blocking.h).
  template <typename Fn>
  auto Run(Fn fn) -> Task<std::invoke_result_t<Fn&, PgConnection&>> {
    auto job = [this, fn = std::move(fn)]() mutable {
      PgConnection* conn = Acquire();
      auto result = fn(*conn);
      Release(conn);
      return result;
    };
    return RunBlocking(threads_.get_executor(), std::move(job));
  }

 private:
  PgPool(std::vector<std::unique_ptr<PgConnection>> connections);
  PgConnection* Acquire();
  void Release(PgConnection* conn);

  std::vector<std::unique_ptr<PgConnection>> connections_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<PgConnection*> free_;
  asio::thread_pool threads_;
};

// Whether a transaction may run again after its connection died during COMMIT (outcome unknown).
enum class RetryAfterLostCommit { kYes, kNo };

inline Status StatusOf(const Status& s) { return s; }
template <typename T>
Status StatusOf(const Result<T>& r) {
  return r.ok() ? Status::Ok() : r.status();
}

// Runs fn() between BEGIN and COMMIT (READ COMMITTED; fn takes the row locks it needs).
// Serialization failures and deadlocks run fn again, up to kMaxAttempts; a lost connection is
// re-established once and fn runs again, unless the loss hit the COMMIT itself and the work is not
// idempotent. fn must return the first failing statement's status unchanged.
template <typename Fn>
auto InTransaction(PgConnection& conn, RetryAfterLostCommit retry, Fn&& fn)
    -> std::invoke_result_t<Fn&> {
  using R = std::invoke_result_t<Fn&>;
  constexpr int kMaxAttempts = 30;
  bool reconnected = false;
  thread_local std::minstd_rand jitter(std::random_device{}());
  for (int attempt = 1;; ++attempt) {
    if (conn.broken()) {
      if (reconnected) return Status::Unavailable("PostgreSQL connection lost again");
      reconnected = true;
      SLUICE_RETURN_IF_ERROR(conn.Reconnect());
    }
    Status failure;
    PgFailure kind = PgFailure::kNone;
    bool at_commit = false;
    auto begin = conn.Exec("BEGIN");
    if (!begin.ok()) {
      failure = begin.status();
      kind = conn.last_failure();
    } else {
      R result = fn();
      if (result.ok()) {
        auto commit = conn.Exec("COMMIT");
        if (commit.ok()) return result;
        failure = commit.status();
        kind = conn.last_failure();
        at_commit = true;
      } else {
        failure = StatusOf(result);
        kind = conn.last_failure();
        if (!conn.broken()) (void)conn.Exec("ROLLBACK");
      }
    }
    if (kind == PgFailure::kRetryable && attempt < kMaxAttempts) {
      // Back off a little, randomly, so the transactions that collided do not collide again.
      const int max_ms = std::min(50, 2 * attempt);
      std::this_thread::sleep_for(std::chrono::milliseconds(1 + jitter() % max_ms));
      continue;
    }
    if (kind == PgFailure::kConnectionLost && !reconnected &&
        (retry == RetryAfterLostCommit::kYes || !at_commit)) {
      reconnected = true;
      SLUICE_RETURN_IF_ERROR(conn.Reconnect());
      continue;
    }
    return failure;
  }
}

}  // namespace sluice::metadata
