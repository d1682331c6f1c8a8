// The produce buffer of an agent. Record batches of every partition and every connection are
// gathered for up to the batch timeout (or until the size limit), written as ONE segment object,
// committed to the metadata store in one transaction, and only then are the producers answered.
// Flushes run one after another so commits keep per-partition order; the next buffer fills while
// the previous one is being written.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/async_event.h"
#include "common/bytes.h"
#include "common/clock.h"
#include "common/status.h"
#include "common/ulid.h"
#include "metadata/metadata_store.h"
#include "storage/object_store.h"

namespace sluice::agent {

// One validated record batch bound for one partition.
struct PendingChunk {
  std::string topic;
  int32_t partition = 0;
  Bytes batch;  // RecordBatch v2 bytes as produced
  int32_t record_count = 0;
  int32_t last_offset_delta = 0;
  int64_t first_timestamp = -1;
  int64_t max_timestamp = -1;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  bool transactional = false;  // part of a transaction (the commit checks it against the store)
};

using AppendOutcome = Result<std::vector<metadata::ChunkOutcome>>;

struct BatcherOptions {
  std::chrono::milliseconds batch_timeout{250};
  uint64_t batch_max_bytes = 8 * 1024 * 1024;
  std::string object_key_prefix;  // e.g. "sluice/<cluster-id>/segments/"
  int commit_attempts = 5;
};

struct FlushStats {
  uint64_t objects = 0;
  uint64_t bytes = 0;
  uint64_t chunks = 0;
  uint64_t failures = 0;
};

// How one flush went, for latency histograms: the PUT, the commit (with its retries) and the
// whole flush, from its start to the answers.
struct FlushTiming {
  bool ok = false;
  uint64_t object_bytes = 0;
  uint64_t records = 0;
  double put_seconds = 0;
  double commit_seconds = 0;  // 0 when the PUT failed
  double flush_seconds = 0;
};

class Batcher {
 public:
  // `on_committed` runs after every successful commit with the request and its outcome, so the
  // agent can advance its view of high watermarks and wake long-polling fetches.
  using CommitListener =
      std::function<void(const metadata::CommitRequest&, const metadata::CommitResult&)>;

  Batcher(asio::any_io_executor executor, storage::ObjectStore& objects,
          metadata::MetadataStore& metadata, const Clock& clock, BatcherOptions options,
          CommitListener on_committed);

  // Adds one request's chunks to the open buffer. The returned handle yields one outcome per
  // chunk, in order, once the object holding them is committed (or failed).
  std::shared_ptr<OneShot<AppendOutcome>> Append(std::vector<PendingChunk> chunks);

  // Flushes what is buffered and waits until every flush so far has finished (shutdown).
  Task<void> Drain();

  const FlushStats& stats() const { return stats_; }
  // Called after every flush, successful or not (metrics). Optional.
  void SetFlushObserver(std::function<void(const FlushTiming&)> observer) {
    flush_observer_ = std::move(observer);
  }

 private:
  struct Waiter {
    std::shared_ptr<OneShot<AppendOutcome>> done;
    size_t first_chunk = 0;  // index into Buffer::chunks
    size_t chunk_count = 0;
  };
  struct Buffer {
    std::vector<PendingChunk> chunks;
    std::vector<Waiter> waiters;
    uint64_t bytes = 0;
  };

  void SealOpenBuffer();
  Task<void> FlushLoop();
  Task<void> Flush(Buffer buffer);
  Task<Result<metadata::CommitResult>> CommitWithRetry(metadata::CommitRequest request);

  asio::any_io_executor executor_;
  storage::ObjectStore& objects_;
  metadata::MetadataStore& metadata_;
  const Clock& clock_;
  BatcherOptions options_;
  CommitListener on_committed_;
  UlidGenerator ids_;

  Buffer open_;
  asio::steady_timer timer_;
  uint64_t timer_generation_ = 0;
  std::deque<Buffer> sealed_;
  bool flushing_ = false;
  Signal flushed_;
  FlushStats stats_;
  std::function<void(const FlushTiming&)> flush_observer_;
};

}  // namespace sluice::agent
