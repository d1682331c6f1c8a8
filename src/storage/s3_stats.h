// Per-operation counters of the S3 back end, for /metrics. Updated from the store's I/O thread,
// read from anywhere.
#pragma once

#include <atomic>
#include <cstdint>

namespace sluice::storage {

// A snapshot of one operation's counters.
struct S3OperationStats {
  uint64_t requests = 0;        // HTTP requests sent, retries included
  uint64_t retries = 0;         // requests that were retries of an earlier attempt
  uint64_t errors = 0;          // requests that failed: transport error, 5xx, or an unexpected 4xx
  uint64_t bytes_sent = 0;      // request body bytes
  uint64_t bytes_received = 0;  // response body bytes
  uint64_t latency_us_sum = 0;  // summed over requests; latency_us_sum / requests is the mean
};

struct S3Stats {
  S3OperationStats put;
  S3OperationStats get;  // GetObject and the HeadObject it sometimes needs
  S3OperationStats list;
  S3OperationStats del;
};

enum class S3Operation { kPut, kGet, kList, kDelete };

class S3Counters {
 public:
  void RecordRequest(S3Operation op, bool retry, bool error, uint64_t sent, uint64_t received,
                     uint64_t latency_us) {
    Counters& c = counters_[static_cast<int>(op)];
    c.requests.fetch_add(1, std::memory_order_relaxed);
    if (retry) c.retries.fetch_add(1, std::memory_order_relaxed);
    if (error) c.errors.fetch_add(1, std::memory_order_relaxed);
    c.bytes_sent.fetch_add(sent, std::memory_order_relaxed);
    c.bytes_received.fetch_add(received, std::memory_order_relaxed);
    c.latency_us_sum.fetch_add(latency_us, std::memory_order_relaxed);
  }

  S3Stats Snapshot() const {
    return {Read(S3Operation::kPut), Read(S3Operation::kGet), Read(S3Operation::kList),
            Read(S3Operation::kDelete)};
  }

 private:
  struct Counters {
    std::atomic<uint64_t> requests{0}, retries{0}, errors{0}, bytes_sent{0}, bytes_received{0},
        latency_us_sum{0};
  };
  S3OperationStats Read(S3Operation op) const {
    const Counters& c = counters_[static_cast<int>(op)];
    return {c.requests.load(),   c.retries.load(),        c.errors.load(),
            c.bytes_sent.load(), c.bytes_received.load(), c.latency_us_sum.load()};
  }
  Counters counters_[4];
};

}  // namespace sluice::storage
