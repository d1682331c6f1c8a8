#include "agent/fetch/file_cache.h"

namespace sluice::agent {

FileCache::FileCache(asio::any_io_executor executor, storage::ObjectStore& store,
                     uint64_t capacity_bytes)
    : executor_(executor), store_(store), capacity_bytes_(capacity_bytes) {}

std::shared_ptr<const Bytes> FileCache::Lookup(const Key& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return it->second.data;
}

void FileCache::Insert(const Key& key, std::shared_ptr<const Bytes> data) {
  if (data->size() > capacity_bytes_ || entries_.count(key)) return;
  lru_.push_front(key);
  entries_[key] = Entry{data, lru_.begin()};
  size_bytes_ += data->size();
  while (size_bytes_ > capacity_bytes_ && !lru_.empty()) {
    auto victim = entries_.find(lru_.back());
    size_bytes_ -= victim->second.data->size();
    entries_.erase(victim);
    lru_.pop_back();
    stats_.evictions++;
  }
}

Task<Result<std::vector<std::shared_ptr<const Bytes>>>> FileCache::Read(
    const std::string& object, std::vector<RangeRequest> ranges) {
  std::vector<std::shared_ptr<Pending>> waits(ranges.size());
  std::vector<std::shared_ptr<const Bytes>> out(ranges.size());

  // Classify each range: cached, already being fetched, or to fetch now (grouped into runs of
  // adjacent ranges so one GET serves several chunks).
  std::vector<RangeRequest> run;
  std::vector<std::shared_ptr<Pending>> run_pendings;
  auto flush_run = [&]() {
    if (run.empty()) return;
    asio::co_spawn(executor_, FetchRun(object, std::move(run), std::move(run_pendings)),
                   asio::detached);
    run.clear();
    run_pendings.clear();
  };
  for (size_t i = 0; i < ranges.size(); ++i) {
    Key key{object, ranges[i].offset, ranges[i].length};
    if (auto hit = Lookup(key)) {
      stats_.hits++;
      out[i] = hit;
      flush_run();
      continue;
    }
    if (auto it = in_flight_.find(key); it != in_flight_.end()) {
      stats_.merged++;
      waits[i] = it->second;
      flush_run();
      continue;
    }
    stats_.misses++;
    auto pending = std::make_shared<Pending>(executor_);
    in_flight_[key] = pending;
    waits[i] = pending;
    if (!run.empty() && run.back().offset + run.back().length != ranges[i].offset) flush_run();
    run.push_back(ranges[i]);
    run_pendings.push_back(pending);
  }
  flush_run();

  for (size_t i = 0; i < ranges.size(); ++i) {
    if (out[i]) continue;
    auto result = co_await waits[i]->Wait();
    if (!result.ok()) co_return result.status();
    out[i] = *result;
  }
  co_return out;
}

Task<void> FileCache::FetchRun(std::string object, std::vector<RangeRequest> run,
                               std::vector<std::shared_ptr<Pending>> pendings) {
  const uint64_t start = run.front().offset;
  const uint64_t length = run.back().offset + run.back().length - start;
  stats_.gets++;
  auto data = co_await store_.Get(object, start, length);
  if (data.ok()) stats_.get_bytes += data->size();
  for (size_t i = 0; i < run.size(); ++i) {
    Key key{object, run[i].offset, run[i].length};
    in_flight_.erase(key);
    if (!data.ok()) {
      pendings[i]->Set(data.status());
      continue;
    }
    if (data->size() != length) {
      pendings[i]->Set(Status::Corruption("short read of " + object));
      continue;
    }
    auto begin = data->begin() + static_cast<ptrdiff_t>(run[i].offset - start);
    auto piece = std::make_shared<const Bytes>(begin, begin + run[i].length);
    Insert(key, piece);
    pendings[i]->Set(piece);
  }
}

}  // namespace sluice::agent
