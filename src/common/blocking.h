// Runs blocking work (SQLite, file I/O) on a thread pool and resumes the awaiting coroutine with its
// result, so every store interface can be asynchronous while back ends stay simple.
#pragma once

#include <functional>
#include <type_traits>

#include "common/asio.h"

namespace sluice {

template <typename Executor, typename Fn>
auto RunBlocking(Executor executor, Fn fn) -> Task<std::invoke_result_t<Fn>> {
  using R = std::invoke_result_t<Fn>;
  // The lambda is a named local on purpose: g++ 12 destroys temporaries inside a co_await
  // expression twice, which freed the captures early (found with ASan).
  auto run = [fn = std::move(fn)]() mutable -> Task<R> { co_return fn(); };
  co_return co_await asio::co_spawn(executor, std::move(run), asio::use_awaitable);
}

// Runs an awaitable to completion on a private io_context; for tests and start-up code only.
template <typename T>
T RunSync(Task<T> task) {
  asio::io_context io;
  std::optional<T> out;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
    if (e) std::rethrow_exception(e);
    out.emplace(std::move(value));
  });
  io.run();
  return std::move(*out);
}

}  // namespace sluice
