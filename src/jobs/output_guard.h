// The object store as job workers see it. Workers PUT only compaction outputs, and an output must
// be committed well before the orphan scan may take it for garbage (orphan_scan.h): a PUT that,
// from its start to its return, took longer than `max_put_age` fails (and its object is deleted
// again), so an attempt that stalled never commits an object the scan might delete meanwhile.
// Reads, listings and deletions pass through unchanged.
//
// Fault injection for tests (-faultCompactionDelay): after each successful PUT the worker sleeps
// for `fault_delay`, between writing a compaction output and its index swap, so an end-to-end
// test can kill an agent in the middle of a compaction. Zero (the default) disables it.
#pragma once

#include <chrono>
#include <string>

#include "observability/logger.h"
#include "storage/object_store.h"

namespace sluice::jobs {

class GuardedOutputStore : public storage::ObjectStore {
 public:
  GuardedOutputStore(storage::ObjectStore& inner, std::chrono::milliseconds max_put_age,
                     std::chrono::milliseconds fault_delay, obs::Logger* logger)
      : inner_(inner), max_put_age_(max_put_age), fault_delay_(fault_delay), logger_(logger) {}

  Task<Status> Put(std::string key, Bytes data) override;
  Task<Result<Bytes>> Get(std::string key, uint64_t offset, uint64_t length) override {
    return inner_.Get(std::move(key), offset, length);
  }
  Task<Result<storage::ListPage>> List(std::string prefix, std::string continuation_token,
                                       int max_keys) override {
    return inner_.List(std::move(prefix), std::move(continuation_token), max_keys);
  }
  Task<Status> Delete(std::vector<std::string> keys) override {
    return inner_.Delete(std::move(keys));
  }
  std::string Describe() const override { return inner_.Describe(); }

 private:
  storage::ObjectStore& inner_;
  std::chrono::milliseconds max_put_age_;
  std::chrono::milliseconds fault_delay_;
  obs::Logger* logger_;
};

}  // namespace sluice::jobs
