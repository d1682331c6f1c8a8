// libFuzzer entry: arbitrary bytes as a produce request's records field must never crash the
// batch splitter, validator or decoder, and a batch that validates must also decode.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "record/record_batch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sluice::ByteView input(data, size);
  sluice::Result<std::vector<sluice::BatchView>> batches = sluice::SplitBatches(input);
  if (!batches.ok()) return 0;
  sluice::ValidationOptions options;
  options.max_decompressed_bytes = 1 << 20;  // keep each run cheap
  for (const sluice::BatchView& batch : *batches) {
    sluice::RecordError error;
    bool valid = sluice::ValidateBatch(batch, options, &error).ok();
    auto records = sluice::DecodeRecords(batch, options.max_decompressed_bytes);
    // Validation is decoding plus the CRC (and control-batch) checks, so it cannot accept more.
    if (valid &&
        (!records.ok() || records->size() != static_cast<size_t>(batch.header.record_count)))
      std::abort();
  }
  return 0;
}
