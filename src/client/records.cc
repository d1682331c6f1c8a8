#include "client/records.h"

#include "protocol/wire.h"

namespace sluice::client {

Result<std::vector<Record>> DecodeFetchedRecords(ByteView records, int64_t min_offset,
                                                 int64_t* next_offset) {
  std::vector<Record> out;
  size_t pos = 0;
  while (records.size() - pos >= kBatchLengthFieldsSize) {
    protocol::Reader r(records.subspan(pos, kBatchLengthFieldsSize));
    r.ReadInt64();  // base offset
    int32_t length = r.ReadInt32();
    if (length < 0) return Status::Corruption("fetched batch with a negative length");
    size_t total = kBatchLengthFieldsSize + static_cast<size_t>(length);
    if (records.size() - pos < total) break;  // cut short by max_bytes
    SLUICE_ASSIGN_OR_RETURN(BatchView batch, ParseBatch(records.subspan(pos, total)));
    pos += total;
    if (batch.header.magic != kCurrentMagic) {
      return Status::Corruption("fetched batch with unsupported magic " +
                                std::to_string(batch.header.magic));
    }
    if (batch.ComputeCrc() != batch.header.crc) {
      return Status::Corruption("fetched batch at offset " +
                                std::to_string(batch.header.base_offset) + " fails its CRC");
    }
    *next_offset = batch.header.base_offset + batch.header.last_offset_delta + 1;
    if (batch.header.is_control()) continue;
    SLUICE_ASSIGN_OR_RETURN(std::vector<Record> decoded, DecodeRecords(batch));
    for (Record& record : decoded) {
      if (record.offset >= min_offset) out.push_back(std::move(record));
    }
  }
  return out;
}

Result<std::vector<TopicPartitions>> DecodeConsumerAssignment(ByteView assignment) {
  std::vector<TopicPartitions> out;
  if (assignment.empty()) return out;
  protocol::Reader r(assignment);
  r.ReadInt16();  // version; later versions only append fields
  int64_t topics = r.ReadArrayLength(false);
  for (int64_t i = 0; i < topics && r.ok(); ++i) {
    TopicPartitions tp;
    tp.topic = r.ReadString(false);
    int64_t partitions = r.ReadArrayLength(false);
    for (int64_t j = 0; j < partitions && r.ok(); ++j) tp.partitions.push_back(r.ReadInt32());
    out.push_back(std::move(tp));
  }
  if (!r.ok()) return Status::Corruption("malformed consumer assignment: " + r.status().message());
  return out;
}

}  // namespace sluice::client
