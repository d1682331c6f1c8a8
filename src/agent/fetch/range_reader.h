// Where the fetch path gets object bytes from: the agent's own FileCache, or the ZoneCache that
// asks the zone's owner agent of each object first.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/asio.h"
#include "common/bytes.h"
#include "common/status.h"

namespace sluice::agent {

struct RangeRequest {
  uint64_t offset = 0;
  uint32_t length = 0;
};

class RangeReader {
 public:
  virtual ~RangeReader() = default;
  // Reads ranges of one object (sorted, non-overlapping). Results are in request order, each
  // exactly as long as asked.
  virtual Task<Result<std::vector<std::shared_ptr<const Bytes>>>> Read(
      const std::string& key, std::vector<RangeRequest> ranges) = 0;
};

}  // namespace sluice::agent
