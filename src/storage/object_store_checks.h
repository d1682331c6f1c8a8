// Argument checks every back end applies the same way, so they all answer alike.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace sluice::storage {

// The number of bytes a Get of [offset, offset+length) reads from an object of `object_size`
// bytes; length == UINT64_MAX means "to the end". InvalidArgument when the range passes the end.
Result<uint64_t> ResolveReadLength(const std::string& key, uint64_t object_size, uint64_t offset,
                                   uint64_t length);

// max_keys must be positive.
Status ValidateMaxKeys(int max_keys);

}  // namespace sluice::storage
