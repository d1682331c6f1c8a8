// The job kinds and their payloads. Payloads are small text documents so an operator can read
// the jobs table; decoding validates everything (a payload is external input to the worker).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace sluice::jobs {

inline constexpr char kCompactionKind[] = "compaction";
inline constexpr char kRetentionKind[] = "retention";
inline constexpr char kDeletionKind[] = "deletion";

struct CompactionInput {
  std::string object_id;
  std::string object_key;
  bool operator==(const CompactionInput&) const = default;
};

// Merge `inputs` into one object of `output_level` with the id `output_object_id` (fixed when the
// job is planned, so every attempt commits the same object).
struct CompactionJob {
  int32_t output_level = 1;
  std::string output_object_id;
  std::vector<CompactionInput> inputs;
  bool operator==(const CompactionJob&) const = default;
};

std::string EncodeCompactionJob(const CompactionJob& job);
Result<CompactionJob> DecodeCompactionJob(const std::string& payload);

// Job ids: one compaction job per output object, one retention job per topic at a time, one
// deletion job at a time.
std::string CompactionJobId(const std::string& output_object_id);
std::string RetentionJobId(const std::string& topic);
inline constexpr char kDeletionJobId[] = "deletion";

}  // namespace sluice::jobs
