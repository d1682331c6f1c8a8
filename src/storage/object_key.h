// Validation of object keys, shared by every back end so all of them accept the same keys.
#pragma once

#include <string_view>

#include "common/status.h"

namespace sluice::storage {

// Files under this name prefix are the file back end's in-flight writes; keys may not use it.
inline constexpr std::string_view kTempFilePrefix = ".sluice-tmp-";

// A key is '/'-separated segments: non-empty, no "." or "..", no NUL, no leading '/', at most
// 1024 bytes, and no segment starting with kTempFilePrefix.
Status ValidateObjectKey(std::string_view key);

}  // namespace sluice::storage
