// Runs blocking work (SQLite, file I/O) on a thread pool and resumes the awaiting coroutine with
// its result, so every store interface can be asynchronous while back ends stay simple.
//
// g++ 12 destroys temporaries inside a co_await expression twice: callers must pass a NAMED
// lambda (`auto work = [..]{..}; co_await RunBlocking(ex, std::move(work));`), never a temporary.
#pragma once

#include <functional>
#include <optional>
#include <type_traits>

#include "common/asio.h"

namespace sluice {

template <typename Executor, typename Fn>
auto RunBlocking(Executor executor, Fn fn) -> Task<std::invoke_result_t<Fn>> {
  using R = std::invoke_result_t<Fn>;
  // Boost 1.74's co_spawn needs a default-constructible result, which Result<T> is not: the
  // value travels in an optional.
  auto run = [fn = std::move(fn)]() mutable -> Task<std::optional<R>> {
    co_return std::optional<R>(fn());
  };
  std::optional<R> out = co_await asio::co_spawn(executor, std::move(run), asio::use_awaitable);
  co_return std::move(*out);
}

// Runs an awaitable to completion on a private io_context; for tests and start-up code only.
template <typename T>
T RunSync(Task<T> task) {
  asio::io_context io;
  std::optional<T> out;
  auto wrapped = [&]() -> Task<void> { out.emplace(co_await std::move(task)); };
  asio::co_spawn(io, wrapped(), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  io.run();
  return std::move(*out);
}

}  // namespace sluice
