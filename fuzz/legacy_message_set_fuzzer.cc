// libFuzzer entry: arbitrary bytes as a Produce v0-2 message set must never crash the legacy
// parser; a set that converts must give a v2 batch that validates, and down-converting that
// batch must give back one legacy message per record.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "record/legacy_down_convert.h"
#include "record/legacy_message_set.h"
#include "record/record_batch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kBound = 1 << 20;  // keep each run cheap
  auto converted = sluice::ConvertLegacyMessageSet(sluice::ByteView(data, size), 0, kBound);
  if (!converted.ok()) return 0;
  auto batch = sluice::ParseBatch(converted->batch);
  if (!batch.ok()) std::abort();
  sluice::ValidationOptions options;
  options.max_decompressed_bytes = 4 * kBound;
  if (!sluice::ValidateBatch(*batch, options).ok()) std::abort();
  for (int8_t magic : {0, 1}) {
    sluice::DownConvertOptions down;
    down.magic = magic;
    down.max_decompressed_bytes = 4 * kBound;
    auto legacy = sluice::DownConvertBatches(converted->batch, down);
    if (!legacy.ok()) std::abort();
    auto parsed = sluice::ParseLegacyMessageSet(*legacy, 4 * kBound);
    if (!parsed.ok() || parsed->messages.size() != static_cast<size_t>(converted->record_count))
      std::abort();
  }
  return 0;
}
