// Small single-threaded coroutine primitives built on asio timers. All users run on one executor
// (the agent's event loop), so no locking is needed; a timer that never expires stands in for a
// condition variable and cancel() is the notify.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "common/asio.h"

namespace sluice {

// A value delivered once, awaited by any number of coroutines.
template <typename T>
class OneShot {
 public:
  explicit OneShot(asio::any_io_executor ex) : timer_(ex, asio::steady_timer::time_point::max()) {}

  void Set(T value) {
    if (value_) return;
    value_.emplace(std::move(value));
    timer_.cancel();
  }
  bool ready() const { return value_.has_value(); }
  const T& value() const { return *value_; }

  Task<T> Wait() {
    while (!value_) {
      boost::system::error_code ec;
      co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    co_return *value_;
  }

 private:
  asio::steady_timer timer_;
  std::optional<T> value_;
};

// A broadcast signal: WaitUntil() returns after the next Notify() (true) or when its deadline
// passes (false). Each waiter sleeps on its own timer, which Notify() cancels.
class Signal {
 public:
  explicit Signal(asio::any_io_executor ex) : ex_(ex), gen_(std::make_shared<Generation>()) {}

  void Notify() {
    auto old = std::move(gen_);
    gen_ = std::make_shared<Generation>();
    old->notified = true;
    for (auto& weak : old->timers) {
      if (auto timer = weak.lock()) timer->cancel();
    }
  }

  Task<bool> WaitUntil(std::chrono::steady_clock::time_point deadline) {
    auto gen = gen_;
    auto timer = std::make_shared<asio::steady_timer>(ex_, deadline);
    gen->timers.push_back(timer);
    boost::system::error_code ec;
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    co_return gen->notified;
  }

 private:
  struct Generation {
    bool notified = false;
    std::vector<std::weak_ptr<asio::steady_timer>> timers;
  };
  asio::any_io_executor ex_;
  std::shared_ptr<Generation> gen_;
};

}  // namespace sluice
