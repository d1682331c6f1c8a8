#include "agent/fetch/partition_reader.h"

#include <algorithm>

namespace sluice::agent {

void StampBatchBaseOffset(uint8_t* batch, int64_t base_offset) {
  auto value = static_cast<uint64_t>(base_offset);
  for (int i = 7; i >= 0; --i) {
    batch[i] = static_cast<uint8_t>(value);
    value >>= 8;
  }
}

Task<Result<PartitionRead>> PartitionReader::Read(const std::string& topic, int32_t partition,
                                                  int64_t offset, uint64_t max_bytes,
                                                  bool allow_oversized_first) {
  PartitionRead out;
  out.next_offset = offset;
  auto found = co_await store_.FindChunks(topic, partition, offset, max_bytes);
  if (!found.ok()) co_return found.status();
  const auto& chunks = *found;
  if (chunks.empty()) co_return out;

  // Decide which chunks fit before reading any bytes.
  size_t take = 0;
  uint64_t total = 0;
  for (const auto& chunk : chunks) {
    if (total + chunk.byte_length > max_bytes && !(take == 0 && allow_oversized_first)) break;
    total += chunk.byte_length;
    ++take;
  }
  out.records.reserve(total);

  // Read runs of chunks that share an object with one cache call each.
  size_t i = 0;
  while (i < take) {
    size_t j = i;
    std::vector<RangeRequest> ranges;
    while (j < take && chunks[j].object_key == chunks[i].object_key) {
      ranges.push_back({chunks[j].byte_offset, chunks[j].byte_length});
      ++j;
    }
    auto pieces = co_await cache_.Read(chunks[i].object_key, std::move(ranges));
    if (!pieces.ok()) co_return pieces.status();
    for (size_t k = i; k < j; ++k) {
      const Bytes& piece = *(*pieces)[k - i];
      if (piece.size() < 61) co_return Status::Corruption("chunk shorter than a batch header");
      size_t at = out.records.size();
      out.records.insert(out.records.end(), piece.begin(), piece.end());
      StampBatchBaseOffset(out.records.data() + at, chunks[k].base_offset);
      // Producers send partitionLeaderEpoch -1; like a Kafka leader, stamp the (only) epoch, 0,
      // which clients then use in OffsetForLeaderEpoch. Both fields are outside the CRC.
      for (int b = 12; b < 16; ++b) out.records[at + b] = 0;
      out.next_offset = chunks[k].base_offset + chunks[k].offset_count;
      out.batches++;
      stats_.bytes += piece.size();
      stats_.batches++;
      stats_.records += static_cast<uint64_t>(std::max(chunks[k].record_count, 0));
    }
    i = j;
  }
  co_return out;
}

Task<Result<Bytes>> PartitionReader::ReadBatchAt(const std::string& topic, int32_t partition,
                                                 int64_t offset) {
  auto read = co_await Read(topic, partition, offset, 1, /*allow_oversized_first=*/true);
  if (!read.ok()) co_return read.status();
  co_return std::move(read->records);
}

}  // namespace sluice::agent
