#include "agent/produce/batcher.h"

#include <algorithm>
#include <numeric>

#include "storage/segment_format.h"

namespace sluice::agent {

namespace {
constexpr int16_t kRequestTimedOut = 7;  // retriable by every client, unlike KAFKA_STORAGE_ERROR
}

Batcher::Batcher(asio::any_io_executor executor, storage::ObjectStore& objects,
                 metadata::MetadataStore& metadata, const Clock& clock, BatcherOptions options,
                 CommitListener on_committed)
    : executor_(executor),
      objects_(objects),
      metadata_(metadata),
      clock_(clock),
      options_(std::move(options)),
      on_committed_(std::move(on_committed)),
      timer_(executor),
      flushed_(executor) {}

std::shared_ptr<OneShot<AppendOutcome>> Batcher::Append(std::vector<PendingChunk> chunks) {
  auto done = std::make_shared<OneShot<AppendOutcome>>(executor_);
  if (chunks.empty()) {
    done->Set(std::vector<metadata::ChunkOutcome>{});
    return done;
  }
  const bool was_empty = open_.chunks.empty();
  Waiter waiter{done, open_.chunks.size(), chunks.size()};
  for (auto& chunk : chunks) {
    open_.bytes += chunk.batch.size();
    open_.chunks.push_back(std::move(chunk));
  }
  open_.waiters.push_back(std::move(waiter));

  if (open_.bytes >= options_.batch_max_bytes) {
    SealOpenBuffer();
  } else if (was_empty) {
    // The first chunk of a buffer starts its timeout.
    uint64_t generation = ++timer_generation_;
    timer_.expires_after(options_.batch_timeout);
    timer_.async_wait([this, generation](boost::system::error_code ec) {
      if (!ec && generation == timer_generation_) SealOpenBuffer();
    });
  }
  return done;
}

void Batcher::SealOpenBuffer() {
  if (open_.chunks.empty()) return;
  ++timer_generation_;  // the pending timeout, if any, no longer applies
  sealed_.push_back(std::move(open_));
  open_ = Buffer{};
  if (!flushing_) {
    flushing_ = true;
    asio::co_spawn(executor_, FlushLoop(), asio::detached);
  }
}

Task<void> Batcher::FlushLoop() {
  while (!sealed_.empty()) {
    Buffer buffer = std::move(sealed_.front());
    sealed_.pop_front();
    co_await Flush(std::move(buffer));
  }
  flushing_ = false;
  flushed_.Notify();
}

Task<void> Batcher::Drain() {
  SealOpenBuffer();
  while (flushing_) {
    co_await flushed_.WaitUntil(std::chrono::steady_clock::now() + std::chrono::seconds(1));
  }
}

Task<void> Batcher::Flush(Buffer buffer) {
  using SecondsD = std::chrono::duration<double>;
  const auto flush_start = std::chrono::steady_clock::now();
  FlushTiming timing;
  // Lay chunks out grouped by partition (stable, so each partition keeps arrival order): a
  // consumer of one partition then reads one contiguous range.
  std::vector<size_t> order(buffer.chunks.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const auto& x = buffer.chunks[a];
    const auto& y = buffer.chunks[b];
    return std::tie(x.topic, x.partition) < std::tie(y.topic, y.partition);
  });

  const std::string object_id = ids_.Next(clock_.NowMs());
  metadata::CommitRequest request;
  request.object_id = object_id;
  request.object_key = options_.object_key_prefix + object_id;
  request.level = 0;

  SegmentWriter writer;
  std::vector<size_t> position_of(buffer.chunks.size());  // chunk index -> index in request
  for (size_t i = 0; i < order.size(); ++i) {
    const PendingChunk& chunk = buffer.chunks[order[i]];
    position_of[order[i]] = i;
    ChunkMeta meta;
    meta.topic = chunk.topic;
    meta.partition = chunk.partition;
    meta.record_count = chunk.record_count;
    meta.last_offset_delta = chunk.last_offset_delta;
    meta.first_timestamp = chunk.first_timestamp;
    meta.max_timestamp = chunk.max_timestamp;
    meta.producer_id = chunk.producer_id;
    meta.producer_epoch = chunk.producer_epoch;
    meta.base_sequence = chunk.base_sequence;
    const uint64_t byte_offset = writer.data_size();
    writer.AddChunk(meta, chunk.batch);

    metadata::ChunkToCommit c;
    c.topic = chunk.topic;
    c.partition = chunk.partition;
    c.byte_offset = byte_offset;
    c.byte_length = static_cast<uint32_t>(chunk.batch.size());
    c.record_count = chunk.record_count;
    c.last_offset_delta = chunk.last_offset_delta;
    c.first_timestamp = chunk.first_timestamp;
    c.max_timestamp = chunk.max_timestamp;
    c.producer_id = chunk.producer_id;
    c.producer_epoch = chunk.producer_epoch;
    c.base_sequence = chunk.base_sequence;
    c.transactional = chunk.transactional;
    request.chunks.push_back(std::move(c));
  }
  Bytes object = writer.Finish(object_id, /*level=*/0);
  request.object_size = object.size();
  const uint64_t object_bytes = object.size();

  Result<metadata::CommitResult> committed = Status::Internal("not committed");
  const auto put_start = std::chrono::steady_clock::now();
  Status put = co_await objects_.Put(request.object_key, std::move(object));
  const auto put_end = std::chrono::steady_clock::now();
  timing.put_seconds = SecondsD(put_end - put_start).count();
  if (put.ok()) {
    committed = co_await CommitWithRetry(request);
    timing.commit_seconds = SecondsD(std::chrono::steady_clock::now() - put_end).count();
  } else {
    committed = put;
  }
  timing.ok = committed.ok();
  timing.object_bytes = object_bytes;
  for (const auto& chunk : request.chunks) timing.records += chunk.record_count;

  if (!committed.ok()) {
    stats_.failures++;
    timing.flush_seconds = SecondsD(std::chrono::steady_clock::now() - flush_start).count();
    if (flush_observer_) flush_observer_(timing);
    // Nothing was acknowledged; the producers retry. An object whose commit never happened is an
    // orphan that the orphan scan removes.
    for (auto& waiter : buffer.waiters) {
      std::vector<metadata::ChunkOutcome> outcomes(waiter.chunk_count);
      for (auto& outcome : outcomes) outcome.error_code = kRequestTimedOut;
      waiter.done->Set(std::move(outcomes));
    }
    co_return;
  }
  stats_.objects++;
  stats_.bytes += object_bytes;
  stats_.chunks += request.chunks.size();
  if (on_committed_) on_committed_(request, *committed);

  for (auto& waiter : buffer.waiters) {
    std::vector<metadata::ChunkOutcome> outcomes;
    outcomes.reserve(waiter.chunk_count);
    for (size_t i = 0; i < waiter.chunk_count; ++i) {
      outcomes.push_back(committed->chunks[position_of[waiter.first_chunk + i]]);
    }
    waiter.done->Set(std::move(outcomes));
  }
  timing.flush_seconds = SecondsD(std::chrono::steady_clock::now() - flush_start).count();
  if (flush_observer_) flush_observer_(timing);
}

Task<Result<metadata::CommitResult>> Batcher::CommitWithRetry(metadata::CommitRequest request) {
  // The commit is idempotent by object id, so retrying after an unknown outcome is safe.
  Result<metadata::CommitResult> result = Status::Internal("no attempt");
  auto delay = std::chrono::milliseconds(20);
  for (int attempt = 0; attempt < options_.commit_attempts; ++attempt) {
    result = co_await metadata_.CommitObject(request);
    if (result.ok()) co_return result;
    asio::steady_timer timer(executor_, delay);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    delay *= 2;
  }
  co_return result;
}

}  // namespace sluice::agent
