// Ends transactions whose timeout passed and forgets long-idle transactional ids (KIP-98,
// docs/design-transactions.md §9 and txn-plan §2). Every agent with a Kafka listener runs one;
// the named lease `txn-reaper` lets one of them work at a time.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/asio.h"
#include "common/clock.h"
#include "metadata/metadata_store.h"

namespace sluice::agent {

struct TxnReaperOptions {
  std::string owner;  // lease owner name, unique per agent (e.g. "agent-<node id>")
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds lease{5000};  // several intervals: a live reaper keeps it
  std::chrono::milliseconds expiry_interval{60000};
  std::chrono::milliseconds transactional_id_expiration{7LL * 24 * 3600 * 1000};
  int32_t abort_batch = 100;  // expired transactions aborted per store call
};

struct TxnReaperStats {
  bool leader = false;  // held the lease this round
  int32_t aborted = 0;
  int32_t expired_ids = 0;
};

class TxnReaper {
 public:
  using MarkersWritten = std::function<void(const std::vector<metadata::WrittenMarker>&)>;

  TxnReaper(metadata::MetadataStore& store, const Clock& clock, TxnReaperOptions options,
            MarkersWritten markers_written);

  // One round: takes/renews the lease, aborts expired transactions (until fewer than a batch
  // come back) and, at most once per expiry_interval, expires idle transactional ids.
  Task<Result<TxnReaperStats>> RunOnce();
  // Rounds every interval until Stop(); store errors are retried the next round.
  Task<void> Run();
  void Stop();

 private:
  metadata::MetadataStore& store_;
  const Clock& clock_;
  TxnReaperOptions options_;
  MarkersWritten markers_written_;
  int64_t last_expiry_ms_ = -1;
  std::shared_ptr<bool> stopped_ = std::make_shared<bool>(false);
  std::unique_ptr<asio::steady_timer> timer_;
};

}  // namespace sluice::agent
