// The one place that includes Boost.Asio; <utility> must come first for Boost 1.74 with g++ 12.
#pragma once

// clang-format off
#include <utility>  // first: Boost 1.74's awaitable.hpp uses std::exchange without including it
#include <boost/asio.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
// clang-format on

namespace sluice {
namespace asio = boost::asio;
template <typename T>
using Task = asio::awaitable<T>;
}  // namespace sluice
