// Helpers used by the generated message code: arrays, tagged fields and the unknown-tag store.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "protocol/wire.h"

namespace sluice::protocol {

// A tagged field this build does not know, kept so that a decode/encode round trip is faithful.
struct UnknownTag {
  uint32_t tag = 0;
  Bytes data;
  bool operator==(const UnknownTag&) const = default;
};
using UnknownTags = std::vector<UnknownTag>;

template <typename T, typename EncodeElement>
void WriteArray(Writer& w, const std::vector<T>& items, bool compact, EncodeElement&& encode) {
  w.WriteArrayLength(static_cast<int64_t>(items.size()), compact);
  for (const T& item : items) encode(item);
}

// `nullable` false: this version has no null encoding, so null is written as an empty array.
template <typename T, typename EncodeElement>
void WriteNullableArray(Writer& w, const std::optional<std::vector<T>>& items, bool compact,
                        bool nullable, EncodeElement&& encode) {
  if (!items.has_value()) {
    w.WriteArrayLength(nullable ? -1 : 0, compact);
    return;
  }
  WriteArray(w, *items, compact, encode);
}

template <typename T, typename DecodeElement>
void ReadArray(Reader& r, std::vector<T>& items, bool compact, DecodeElement&& decode) {
  int64_t n = r.ReadArrayLength(compact);
  items.clear();
  items.reserve(static_cast<size_t>(n));  // bounded by the bytes left in the input
  for (int64_t i = 0; i < n && r.ok(); ++i) decode(items.emplace_back());
}

template <typename T, typename DecodeElement>
void ReadNullableArray(Reader& r, std::optional<std::vector<T>>& items, bool compact, bool nullable,
                       DecodeElement&& decode) {
  int64_t n = r.ReadArrayLength(compact, nullable);
  if (n < 0) {
    items.reset();
    return;
  }
  items.emplace();
  items->reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n && r.ok(); ++i) decode(items->emplace_back());
}

// Collects the tagged fields of one struct and writes them in ascending tag order, merged with
// the unknown tags kept from a decode.
class TaggedFieldsWriter {
 public:
  explicit TaggedFieldsWriter(const UnknownTags& unknown) : unknown_(unknown) {}

  template <typename EncodeValue>
  void Add(uint32_t tag, EncodeValue&& encode) {
    Writer sub;
    encode(sub);
    known_.push_back({tag, sub.Take()});
  }

  void Finish(Writer& w) {
    for (const UnknownTag& u : unknown_) known_.push_back(u);
    std::stable_sort(known_.begin(), known_.end(),
                     [](const UnknownTag& a, const UnknownTag& b) { return a.tag < b.tag; });
    w.WriteUnsignedVarint(static_cast<uint32_t>(known_.size()));
    for (const UnknownTag& t : known_) {
      w.WriteUnsignedVarint(t.tag);
      w.WriteUnsignedVarint(static_cast<uint32_t>(t.data.size()));
      w.WriteRaw(t.data);
    }
  }

 private:
  const UnknownTags& unknown_;
  UnknownTags known_;
};

// Reads a tagged-field section. `decode_known(tag, sub_reader)` returns true when it consumed a
// known tag; other tags are kept in `unknown`.
template <typename DecodeKnown>
void ReadTaggedFields(Reader& r, UnknownTags& unknown, DecodeKnown&& decode_known) {
  unknown.clear();
  uint32_t count = r.ReadUnsignedVarint();
  if (count > r.remaining() / 2) {  // each tagged field takes at least 2 bytes
    r.Fail("tagged field count exceeds remaining bytes");
    return;
  }
  for (uint32_t i = 0; i < count && r.ok(); ++i) {
    uint32_t tag = r.ReadUnsignedVarint();
    uint32_t size = r.ReadUnsignedVarint();
    ByteView data = r.ReadRaw(size);
    if (!r.ok()) return;
    Reader sub(data);
    if (decode_known(tag, sub)) {
      if (!sub.ok()) r.Fail("malformed tagged field");
    } else {
      unknown.push_back({tag, Bytes(data.begin(), data.end())});
    }
  }
}

}  // namespace sluice::protocol
