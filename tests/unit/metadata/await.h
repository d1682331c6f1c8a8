// Runs a Task to completion in a test, also for Result<T> (which RunSync cannot hold in
// Boost 1.74).
#pragma once

#include <optional>

#include "common/blocking.h"
#include "common/status.h"

namespace sluice::metadata::testing {

template <typename T>
T Await(Task<T> task) {
  auto boxed = [](Task<T> t) -> Task<std::optional<T>> { co_return co_await std::move(t); };
  return std::move(*RunSync(boxed(std::move(task))));
}

}  // namespace sluice::metadata::testing
