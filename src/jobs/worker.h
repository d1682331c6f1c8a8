// A job worker: claims queued jobs under a lease and runs them. Every jobs agent runs one; a
// worker that dies leaves its jobs to be claimed again once their leases run out, and since
// every job is idempotent, running one twice changes nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/asio.h"
#include "common/clock.h"
#include "common/status.h"
#include "jobs/jobs_options.h"
#include "metadata/metadata_store.h"
#include "storage/object_store.h"

namespace sluice::jobs {

struct JobReport {
  std::string job_id;
  std::string kind;
  Status status;
  int32_t attempts = 0;
  // What the job did (the meaning depends on the kind).
  int32_t objects_in = 0;       // compaction inputs; objects deleted by deletion
  uint64_t bytes_out = 0;       // compaction output bytes
  int32_t partitions = 0;       // retention: partitions whose log start moved
  int64_t records_dropped = 0;  // compaction: records key compaction removed

  std::vector<std::string> keys;  // orphan scan: (some of the) keys deleted
  int64_t retry_in_ms = -1;       // failed: how long until it may be claimed again
};

class Worker {
 public:
  // `clock` (optional) gives each claimed job its start time and times the retry of a failed
  // one; without it, both use the claim time.
  Worker(metadata::MetadataStore& store, storage::ObjectStore& objects, JobsOptions options,
         std::string owner, const Clock* clock = nullptr)
      : store_(store),
        objects_(objects),
        options_(std::move(options)),
        owner_(std::move(owner)),
        clock_(clock) {}

  // Claims up to `max_jobs` jobs and runs them one after another; returns what happened to each.
  Task<Result<std::vector<JobReport>>> RunOnce(int64_t now_ms, int32_t max_jobs = 1);

  // Runs one claimed job (exposed for tests that stage a crash between claim and run).
  Task<JobReport> Run(const metadata::ClaimedJob& job, int64_t now_ms);

  const std::string& owner() const { return owner_; }

  // How long a job that failed its attempt-th claim waits before it may be claimed again.
  static int64_t RetryDelayMs(const JobsOptions& options, int32_t attempt);

 private:
  Task<JobReport> RunKind(const metadata::ClaimedJob& job, int64_t now_ms);

  metadata::MetadataStore& store_;
  storage::ObjectStore& objects_;
  JobsOptions options_;
  std::string owner_;
  const Clock* clock_;
};

}  // namespace sluice::jobs
