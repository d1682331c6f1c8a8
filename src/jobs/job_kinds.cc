#include "jobs/job_kinds.h"

#include <charconv>
#include <sstream>

namespace sluice::jobs {

namespace {
constexpr char kCompactionHeader[] = "compaction v1";
constexpr size_t kMaxInputs = 100000;

bool ValidToken(const std::string& s) {
  if (s.empty() || s.size() > 1024) return false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\0') return false;
  }
  return true;
}
}  // namespace

std::string EncodeCompactionJob(const CompactionJob& job) {
  std::string out = std::string(kCompactionHeader) + "\n";
  out += "level " + std::to_string(job.output_level) + "\n";
  out += "output " + job.output_object_id + "\n";
  for (const auto& in : job.inputs) out += "input " + in.object_id + " " + in.object_key + "\n";
  return out;
}

Result<CompactionJob> DecodeCompactionJob(const std::string& payload) {
  std::istringstream lines(payload);
  std::string line;
  if (!std::getline(lines, line) || line != kCompactionHeader) {
    return Status::InvalidArgument("compaction payload: unknown header");
  }
  CompactionJob job;
  job.output_level = -1;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string word, a, b, extra;
    words >> word >> a;
    if (word == "level") {
      int32_t level = -1;
      auto [end, ec] = std::from_chars(a.data(), a.data() + a.size(), level);
      if (ec != std::errc() || end != a.data() + a.size() || level < 1 || level > 100) {
        return Status::InvalidArgument("compaction payload: bad level '" + a + "'");
      }
      job.output_level = level;
    } else if (word == "output") {
      if (!ValidToken(a)) return Status::InvalidArgument("compaction payload: bad output id");
      job.output_object_id = a;
    } else if (word == "input") {
      words >> b;
      if (!ValidToken(a) || !ValidToken(b) || (words >> extra)) {
        return Status::InvalidArgument("compaction payload: bad input line");
      }
      if (job.inputs.size() >= kMaxInputs) {
        return Status::InvalidArgument("compaction payload: too many inputs");
      }
      job.inputs.push_back({a, b});
    } else {
      return Status::InvalidArgument("compaction payload: unknown line '" + line + "'");
    }
  }
  if (job.output_level < 1 || job.output_object_id.empty() || job.inputs.empty()) {
    return Status::InvalidArgument("compaction payload: level, output and inputs are required");
  }
  return job;
}

std::string CompactionJobId(const std::string& output_object_id) {
  return std::string(kCompactionKind) + "/" + output_object_id;
}

std::string RetentionJobId(const std::string& topic) {
  return std::string(kRetentionKind) + "/" + topic;
}

}  // namespace sluice::jobs
