// Runs blocking work (SQLite calls) on an executor and resumes the caller with its result.
// (A copy of storage/blocking_call.h; both can move to common/ once blocking.h is fixed.)
//
// Used instead of common/blocking.h's RunBlocking, which g++ 12 miscompiles: a lambda temporary
// passed to a coroutine inside a co_await expression has its captures destroyed twice. Here the
// job lambda is a named local, and the result travels in a std::optional because Boost 1.74's
// co_spawn default-constructs it on its error path (Result<T> has no default constructor).
// Callers must also pass a NAMED lambda (std::move(local)), never a temporary.
#pragma once

#include <optional>
#include <type_traits>
#include <utility>

#include "common/asio.h"

namespace sluice::metadata {

template <typename Executor, typename Fn>
auto BlockingCall(Executor executor, Fn fn) -> Task<std::invoke_result_t<Fn>> {
  using R = std::invoke_result_t<Fn>;
  auto job = [fn = std::move(fn)]() mutable -> Task<std::optional<R>> {
    co_return std::optional<R>(fn());
  };
  std::optional<R> out = co_await asio::co_spawn(executor, std::move(job), asio::use_awaitable);
  co_return std::move(*out);
}

}  // namespace sluice::metadata
