// The backlog rules (docs/jobs.md "Backlog"): when compaction falls behind, uncompacted (level-0)
// objects pile up and every read of recent data costs one GET per object. Past a throttle limit a
// proxy slows producers; past a refuse limit it refuses produce with a retriable error until the
// jobs agents catch up. Pure functions, so the state machine is tested without a store.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "metadata/metadata_store.h"

namespace sluice::agent {

// The numbers are exported as sluice_backlog_state.
enum class BacklogState { kOk = 0, kThrottling = 1, kRefusing = 2 };

std::string_view BacklogStateName(BacklogState state);

// Limits on live level-0 objects and their bytes; 0 turns a limit off.
struct BacklogLimits {
  int64_t throttle_objects = 2000;
  int64_t refuse_objects = 5000;
  int64_t throttle_bytes = 16LL << 30;
  int64_t refuse_bytes = 40LL << 30;
  // The delay of a produce answer at the refuse limit; a tenth of it at the throttle limit.
  std::chrono::milliseconds max_throttle{1000};
};

// InvalidArgument when a refuse limit is below its throttle limit (both set) or a value is
// negative.
Status ValidateBacklogLimits(const BacklogLimits& limits);

// The state after a refresh. A state is entered as soon as one of its limits is reached, and left
// only when every measure is below 90% of that state's limits, so a backlog hovering around a
// limit does not flip producers between admitted and refused at every refresh.
BacklogState NextBacklogState(BacklogState current, const metadata::BacklogStats& stats,
                              const BacklogLimits& limits);

// How long a produce answer is held while throttling: grows linearly from a tenth of
// max_throttle at the throttle limit to max_throttle at the refuse limit (the measure closest to
// its refuse limit decides).
std::chrono::milliseconds ThrottleDelay(const metadata::BacklogStats& stats,
                                        const BacklogLimits& limits);

// The measure nearest its refuse limit: "uncompacted_objects" or "uncompacted_bytes" (the reason
// label of sluice_produce_refused_total).
std::string_view BacklogReason(const metadata::BacklogStats& stats, const BacklogLimits& limits);

}  // namespace sluice::agent
