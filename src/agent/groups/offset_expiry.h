// Expires committed offsets of groups that have no members (Kafka's offsets.retention.minutes,
// default 7 days): a partition's offset goes once its last commit is older than the retention.
// Groups with members keep every offset. Runs on the agent's event loop every `period`.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "agent/groups/group_coordinator.h"
#include "common/asio.h"
#include "common/clock.h"
#include "metadata/metadata_store.h"

namespace sluice::agent::groups {

inline constexpr int64_t kDefaultOffsetsRetentionMs = 7LL * 24 * 3600 * 1000;

class OffsetExpiry {
 public:
  OffsetExpiry(metadata::MetadataStore& store, const GroupCoordinator& groups, const Clock& clock,
               int64_t retention_ms = kDefaultOffsetsRetentionMs);
  ~OffsetExpiry();

  // One pass over every group with offsets; the number of partitions whose offsets were deleted.
  Task<Result<int64_t>> Sweep();

  // Sweeps every `period` until Stop() (or destruction).
  void Start(asio::any_io_executor ex, std::chrono::milliseconds period);
  void Stop();

 private:
  Task<void> Loop(asio::any_io_executor ex, std::chrono::milliseconds period,
                  std::shared_ptr<bool> running);

  metadata::MetadataStore& store_;
  const GroupCoordinator& groups_;
  const Clock& clock_;
  int64_t retention_ms_;
  std::shared_ptr<bool> running_;
  std::shared_ptr<asio::steady_timer> timer_;
};

}  // namespace sluice::agent::groups
