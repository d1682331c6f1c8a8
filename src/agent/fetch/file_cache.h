// Memory cache of object byte ranges in front of the object store. Identical concurrent reads are
// merged into one GET, and entries are evicted least-recently-used within a byte budget. Ranges
// are whole chunks (one partition's batch), so every consumer of the same data asks for the same
// keys. (ZoneCache, where each object has an owner agent in the zone, builds on this.)
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "agent/fetch/range_reader.h"
#include "common/async_event.h"
#include "storage/object_store.h"

namespace sluice::agent {

struct FileCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t merged = 0;  // reads that joined one already in flight
  uint64_t gets = 0;    // GETs sent to the object store
  uint64_t get_bytes = 0;
  uint64_t evictions = 0;
};

class FileCache : public RangeReader {
 public:
  FileCache(asio::any_io_executor executor, storage::ObjectStore& store, uint64_t capacity_bytes);

  // Reads ranges of one object (sorted, non-overlapping). Adjacent missing ranges are fetched with
  // one ranged GET and split into cache entries. Results are in request order.
  Task<Result<std::vector<std::shared_ptr<const Bytes>>>> Read(
      const std::string& key, std::vector<RangeRequest> ranges) override;

  const FileCacheStats& stats() const { return stats_; }
  uint64_t size_bytes() const { return size_bytes_; }

 private:
  using Key = std::tuple<std::string, uint64_t, uint32_t>;
  using Pending = OneShot<Result<std::shared_ptr<const Bytes>>>;
  struct Entry {
    std::shared_ptr<const Bytes> data;
    std::list<Key>::iterator lru;
  };

  std::shared_ptr<const Bytes> Lookup(const Key& key);
  void Insert(const Key& key, std::shared_ptr<const Bytes> data);
  Task<void> FetchRun(std::string object, std::vector<RangeRequest> run,
                      std::vector<std::shared_ptr<Pending>> pendings);

  asio::any_io_executor executor_;
  storage::ObjectStore& store_;
  uint64_t capacity_bytes_;
  uint64_t size_bytes_ = 0;
  std::map<Key, Entry> entries_;
  std::list<Key> lru_;  // front = most recent
  std::map<Key, std::shared_ptr<Pending>> in_flight_;
  FileCacheStats stats_;
};

}  // namespace sluice::agent
