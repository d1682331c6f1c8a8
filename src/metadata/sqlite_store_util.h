// Small helpers shared by the SQLite store's source files.
#pragma once

#include <chrono>
#include <cstring>

#include "common/bytes.h"
#include "common/status.h"
#include "metadata/metadata_store.h"

namespace sluice::metadata {

inline int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline Result<Uuid> UuidFromBlob(const Bytes& blob) {
  Uuid id{};
  if (blob.size() != id.size()) {
    return Status::Corruption("topic id has " + std::to_string(blob.size()) + " bytes, not 16");
  }
  std::memcpy(id.data(), blob.data(), id.size());
  return id;
}

}  // namespace sluice::metadata
