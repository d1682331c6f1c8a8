// Transaction marker control batches (KIP-98). Sluice keeps markers as index rows, not bytes in
// objects; Fetch builds the 78-byte batch a Kafka broker would have stored
// (docs/design-transactions.md §7). Every agent builds the same bytes for the same marker.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/bytes.h"
#include "common/status.h"

namespace sluice {

inline constexpr size_t kTxnMarkerBatchSize = 78;

// The fields of a marker (mirrors metadata::TxnMarker; the record layer has no metadata
// dependency).
struct TxnMarkerFields {
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  bool committed = false;  // COMMIT (control type 1) or ABORT (control type 0)
  int32_t coordinator_epoch = 0;
  int64_t timestamp_ms = 0;
  bool operator==(const TxnMarkerFields&) const = default;
};

// One control batch at `base_offset`: attributes transactional|control, one record whose key is
// (version 0, type) and whose value is (version 0, coordinator epoch); CRC-32C filled in.
Bytes BuildTxnMarkerBatch(int64_t base_offset, const TxnMarkerFields& marker);

struct ParsedTxnMarker {
  int64_t base_offset = 0;
  TxnMarkerFields fields;
};

// Reads a marker batch back (tests, tools): checks CRC, the control attribute and the record.
Result<ParsedTxnMarker> ParseTxnMarkerBatch(ByteView batch);

}  // namespace sluice
