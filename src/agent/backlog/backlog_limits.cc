#include "agent/backlog/backlog_limits.h"

#include <algorithm>
#include <string>

namespace sluice::agent {

namespace {

bool Reached(int64_t value, int64_t limit) { return limit > 0 && value >= limit; }

// The state the measures call for, with every limit scaled by `scale` (1: the limits; 0.9: the
// lower edge of the hysteresis band).
BacklogState Level(const metadata::BacklogStats& stats, const BacklogLimits& limits, double scale) {
  auto scaled = [scale](int64_t limit) {
    return limit > 0 ? std::max<int64_t>(1, static_cast<int64_t>(limit * scale)) : 0;
  };
  if (Reached(stats.uncompacted_objects, scaled(limits.refuse_objects)) ||
      Reached(stats.uncompacted_bytes, scaled(limits.refuse_bytes))) {
    return BacklogState::kRefusing;
  }
  if (Reached(stats.uncompacted_objects, scaled(limits.throttle_objects)) ||
      Reached(stats.uncompacted_bytes, scaled(limits.throttle_bytes))) {
    return BacklogState::kThrottling;
  }
  return BacklogState::kOk;
}

// Where a measure sits between its throttle limit (0) and refuse limit (1), clamped; -1 when it
// has no limits. A measure with only one of the two limits is 0 below it and 1 at it.
double Position(int64_t value, int64_t throttle, int64_t refuse) {
  if (throttle <= 0 && refuse <= 0) return -1;
  if (throttle <= 0) return value >= refuse ? 1 : 0;
  if (refuse <= 0 || refuse <= throttle) return value >= throttle ? 1 : 0;
  const double p = static_cast<double>(value - throttle) / static_cast<double>(refuse - throttle);
  return std::clamp(p, 0.0, 1.0);
}

}  // namespace

std::string_view BacklogStateName(BacklogState state) {
  switch (state) {
    case BacklogState::kOk:
      return "ok";
    case BacklogState::kThrottling:
      return "throttling";
    case BacklogState::kRefusing:
      return "refusing";
  }
  return "unknown";
}

Status ValidateBacklogLimits(const BacklogLimits& limits) {
  if (limits.throttle_objects < 0 || limits.refuse_objects < 0 || limits.throttle_bytes < 0 ||
      limits.refuse_bytes < 0 || limits.max_throttle.count() < 0) {
    return Status::InvalidArgument("backlog limits cannot be negative");
  }
  if (limits.throttle_objects > 0 && limits.refuse_objects > 0 &&
      limits.refuse_objects < limits.throttle_objects) {
    return Status::InvalidArgument(
        "-backlogRefuseObjects (" + std::to_string(limits.refuse_objects) +
        ") is below -backlogThrottleObjects (" + std::to_string(limits.throttle_objects) + ")");
  }
  if (limits.throttle_bytes > 0 && limits.refuse_bytes > 0 &&
      limits.refuse_bytes < limits.throttle_bytes) {
    return Status::InvalidArgument("-backlogRefuseBytes (" + std::to_string(limits.refuse_bytes) +
                                   ") is below -backlogThrottleBytes (" +
                                   std::to_string(limits.throttle_bytes) + ")");
  }
  return Status::Ok();
}

BacklogState NextBacklogState(BacklogState current, const metadata::BacklogStats& stats,
                              const BacklogLimits& limits) {
  const BacklogState target = Level(stats, limits, 1.0);
  if (target >= current) return target;
  // Going down: stay as high as the 90% band still calls for, but no higher than now.
  const BacklogState relaxed = Level(stats, limits, 0.9);
  return std::max(target, std::min(current, relaxed));
}

std::chrono::milliseconds ThrottleDelay(const metadata::BacklogStats& stats,
                                        const BacklogLimits& limits) {
  const double p =
      std::max(Position(stats.uncompacted_objects, limits.throttle_objects, limits.refuse_objects),
               Position(stats.uncompacted_bytes, limits.throttle_bytes, limits.refuse_bytes));
  const double max_ms = static_cast<double>(limits.max_throttle.count());
  const double ms = max_ms * (0.1 + 0.9 * std::max(0.0, p));
  return std::chrono::milliseconds(static_cast<int64_t>(ms));
}

std::string_view BacklogReason(const metadata::BacklogStats& stats, const BacklogLimits& limits) {
  auto ratio = [](int64_t value, int64_t throttle, int64_t refuse) {
    const int64_t limit = refuse > 0 ? refuse : throttle;
    return limit > 0 ? static_cast<double>(value) / static_cast<double>(limit) : -1.0;
  };
  const double objects =
      ratio(stats.uncompacted_objects, limits.throttle_objects, limits.refuse_objects);
  const double bytes = ratio(stats.uncompacted_bytes, limits.throttle_bytes, limits.refuse_bytes);
  return bytes > objects ? "uncompacted_bytes" : "uncompacted_objects";
}

}  // namespace sluice::agent
