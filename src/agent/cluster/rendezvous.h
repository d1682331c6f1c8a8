// Rendezvous (highest-random-weight) hashing: every agent computes the same owner for a key from
// the same member list, and when a member joins or leaves only the keys it wins or held move.
// Used for partition leaders, the zone-wide file cache and where a group's owner is looked for.
// The hash is fixed (not std::hash) so agents built differently agree.
#pragma once

#include <cstdint>
#include <string_view>

namespace sluice::agent {

// A 64-bit hash of the key mixed with the member's node id.
inline uint64_t RendezvousScore(std::string_view key, int32_t node_id) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a over the key
  for (unsigned char c : key) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  h ^= static_cast<uint64_t>(static_cast<uint32_t>(node_id)) * 0x9e3779b97f4a7c15ULL;
  // splitmix64 finaliser: spreads nearby node ids over the whole range.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

// The index of the member with the highest score for `key`, or -1 when there are none.
// `node_id_of(i)` gives member i's node id.
template <typename NodeIdOf>
int RendezvousPick(std::string_view key, int count, NodeIdOf node_id_of) {
  int best = -1;
  uint64_t best_score = 0;
  for (int i = 0; i < count; ++i) {
    uint64_t score = RendezvousScore(key, node_id_of(i));
    if (best < 0 || score > best_score) {
      best = i;
      best_score = score;
    }
  }
  return best;
}

}  // namespace sluice::agent
