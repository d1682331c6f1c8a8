// Segment object layout (design.md §2):
//   [chunk]...[chunk][footer][footer length u32][magic u32]
// A chunk is the RecordBatch v2 bytes of one partition exactly as produced. Every integer of the
// footer and trailer is LITTLE-endian. Footer, version 1:
//   u32 version | str object_id | i32 level | u32 chunk_count | chunk_count * chunk | u32 crc32c
//   chunk = str topic | u8[16] topic_id (all zero = none) | i32 partition | u64 byte_offset |
//           u32 byte_length | i32 record_count | i32 last_offset_delta | i64 first_timestamp |
//           i64 max_timestamp | i64 producer_id | i16 producer_epoch | i32 base_sequence
//   str = u16 length | bytes.  The CRC-32C covers the footer bytes before it.
// "footer length" counts the footer including its CRC; magic is kSegmentMagic ("SLSG").
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "record/record_batch.h"

namespace sluice {

inline constexpr uint32_t kSegmentMagic = 0x47534C53;  // bytes "SLSG" on disk
inline constexpr uint32_t kSegmentFooterVersion = 1;
inline constexpr size_t kSegmentTrailerSize = 8;  // footer length + magic

struct ChunkMeta {
  std::string topic;
  std::array<uint8_t, 16> topic_id{};  // all zero when unknown
  int32_t partition = 0;
  uint64_t byte_offset = 0;  // filled by SegmentWriter
  uint32_t byte_length = 0;  // filled by SegmentWriter
  int32_t record_count = 0;
  int32_t last_offset_delta = 0;  // relative to the chunk's first offset
  int64_t first_timestamp = -1;
  int64_t max_timestamp = -1;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;

  bool operator==(const ChunkMeta&) const = default;
};

// Chunk metadata for one validated v2 batch of `topic`/`partition` (byte range left to the writer).
ChunkMeta ChunkMetaForBatch(std::string topic, int32_t partition, const BatchHeader& header);

struct SegmentFooter {
  uint32_t version = kSegmentFooterVersion;
  std::string object_id;
  int32_t level = 0;
  std::vector<ChunkMeta> chunks;
};

// Accumulates chunks in memory and produces the whole object.
class SegmentWriter {
 public:
  // Appends the chunk bytes; `meta.byte_offset`/`byte_length` are overwritten.
  void AddChunk(ChunkMeta meta, ByteView batch_bytes);
  // Returns the object bytes; the writer is empty afterwards. Chunk metadata is in chunks().
  Bytes Finish(std::string object_id, int32_t level);

  const std::vector<ChunkMeta>& chunks() const { return chunks_; }
  size_t data_size() const { return data_.size(); }

 private:
  Bytes data_;
  std::vector<ChunkMeta> chunks_;
};

// Serialises a footer (without trailer); exposed for tests and tools.
Bytes EncodeSegmentFooter(const SegmentFooter& footer);

// Reads the 8-byte trailer at the end of `tail` (at least 8 bytes) and returns the footer length.
Result<uint32_t> ParseSegmentTrailer(ByteView tail);

// Parses and validates the footer from the whole object: trailer, CRC, version, every chunk's
// range inside the data area, ranges ordered and non-overlapping.
Result<SegmentFooter> ParseSegmentFooter(ByteView whole_object);

// Same, from the last bytes of an object of `object_size` bytes; `tail` must hold at least
// footer length + 8 bytes (read the trailer first to learn how many).
Result<SegmentFooter> ParseSegmentFooterFromTail(ByteView tail, uint64_t object_size);

}  // namespace sluice
