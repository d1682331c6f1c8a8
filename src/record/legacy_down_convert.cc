#include "record/legacy_down_convert.h"

#include "record/legacy_message_set.h"
#include "record/record_batch.h"

namespace sluice {

Result<Bytes> DownConvertBatches(ByteView batches, const DownConvertOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<BatchView> views, SplitBatches(batches));
  Bytes out;
  Bytes message;
  for (const BatchView& batch : views) {
    if (batch.header.magic != kCurrentMagic)
      return Status::Corruption("stored batch has magic " + std::to_string(batch.header.magic));
    if (batch.header.is_control()) continue;  // transaction markers mean nothing to old clients
    SLUICE_ASSIGN_OR_RETURN(std::vector<Record> records,
                            DecodeRecords(batch, options.max_decompressed_bytes));
    // Magic 1 keeps the batch's timestamp type (attributes bit 3); magic 0 has no timestamps.
    const int8_t attributes =
        options.magic >= 1 && batch.header.timestamp_type() == TimestampType::kLogAppendTime ? 0x08
                                                                                             : 0;
    for (const Record& record : records) {
      if (record.offset < options.fetch_offset) continue;
      message.clear();
      AppendLegacyMessage(message, options.magic, record.offset, attributes, record.timestamp,
                          record.key, record.value);
      const bool first = out.empty();
      if (out.size() + message.size() > options.max_bytes &&
          !(first && options.allow_oversized_first))
        return out;
      out.insert(out.end(), message.begin(), message.end());
    }
  }
  return out;
}

}  // namespace sluice
