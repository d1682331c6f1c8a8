// The "consumer" embedded protocol's subscription (ConsumerProtocolSubscription, versions 0-3):
// only the subscribed topic names are read, to refuse OffsetDelete on topics a group consumes.
#pragma once

#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace sluice::agent::groups {

// version int16, topics [int32 count][int16 length + bytes]...; the rest is ignored.
Result<std::vector<std::string>> ParseSubscriptionTopics(ByteView metadata);

}  // namespace sluice::agent::groups
