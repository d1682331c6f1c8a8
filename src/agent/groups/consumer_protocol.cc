#include "agent/groups/consumer_protocol.h"

namespace sluice::agent::groups {

Result<std::vector<std::string>> ParseSubscriptionTopics(ByteView metadata) {
  size_t pos = 0;
  auto read = [&](size_t n, uint64_t* out) {
    if (metadata.size() - pos < n) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | metadata[pos++];
    *out = v;
    return true;
  };
  uint64_t version = 0, count = 0;
  if (!read(2, &version) || !read(4, &count)) {
    return Status::Corruption("consumer subscription: truncated header");
  }
  if (count > metadata.size()) return Status::Corruption("consumer subscription: bad topic count");
  std::vector<std::string> topics;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t length = 0;
    if (!read(2, &length) || metadata.size() - pos < length) {
      return Status::Corruption("consumer subscription: truncated topic name");
    }
    topics.emplace_back(reinterpret_cast<const char*>(metadata.data() + pos), length);
    pos += length;
  }
  return topics;
}

}  // namespace sluice::agent::groups
