#include "record/control_batch.h"

#include <gtest/gtest.h>

#include "record/record_batch.h"

namespace sluice {
namespace {

TxnMarkerFields AbortMarker() {
  return TxnMarkerFields{.producer_id = 4242,
                         .producer_epoch = 7,
                         .committed = false,
                         .coordinator_epoch = 3,
                         .timestamp_ms = 1'700'000'000'123};
}

TEST(ControlBatchTest, IsSeventyEightBytesAndPassesBatchValidation) {
  Bytes batch = BuildTxnMarkerBatch(100, AbortMarker());
  ASSERT_EQ(batch.size(), kTxnMarkerBatchSize);
  ASSERT_EQ(batch.size(), 78u);
  auto view = ParseBatch(batch);
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  EXPECT_EQ(view->header.batch_length, 66);
  EXPECT_EQ(view->header.attributes, 0x30);
  EXPECT_EQ(view->header.partition_leader_epoch, 0);
  EXPECT_EQ(view->header.last_offset_delta, 0);
  EXPECT_EQ(view->header.base_sequence, -1);
  EXPECT_EQ(view->header.record_count, 1);
  EXPECT_EQ(view->header.crc, view->ComputeCrc());
  ValidationOptions options;
  options.allow_control_batches = true;
  EXPECT_TRUE(ValidateBatch(*view, options).ok());
  // Clients may not produce it: the usual check refuses control batches.
  EXPECT_FALSE(ValidateBatch(*view, ValidationOptions{}).ok());
}

TEST(ControlBatchTest, RecordKeyAndValueBytesAreKafkas) {
  TxnMarkerFields commit = AbortMarker();
  commit.committed = true;
  Bytes batch = BuildTxnMarkerBatch(5, commit);
  auto view = ParseBatch(batch);
  ASSERT_TRUE(view.ok());
  auto records = DecodeRecords(*view);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].offset, 5);
  EXPECT_EQ((*records)[0].timestamp, commit.timestamp_ms);
  EXPECT_EQ(*(*records)[0].key, (Bytes{0, 0, 0, 1}));
  EXPECT_EQ(*(*records)[0].value, (Bytes{0, 0, 0, 0, 0, 3}));
  EXPECT_TRUE((*records)[0].headers.empty());

  Bytes abort = BuildTxnMarkerBatch(5, AbortMarker());
  auto abort_view = ParseBatch(abort);
  ASSERT_TRUE(abort_view.ok());
  auto abort_records = DecodeRecords(*abort_view);
  ASSERT_TRUE(abort_records.ok());
  EXPECT_EQ(*(*abort_records)[0].key, (Bytes{0, 0, 0, 0}));  // KafkaJS looks for these bytes
}

TEST(ControlBatchTest, DecodesBackAndIsDeterministic) {
  for (bool committed : {false, true}) {
    TxnMarkerFields fields = AbortMarker();
    fields.committed = committed;
    Bytes batch = BuildTxnMarkerBatch(9'000'000'000, fields);
    EXPECT_EQ(batch, BuildTxnMarkerBatch(9'000'000'000, fields));
    auto parsed = ParseTxnMarkerBatch(batch);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(parsed->base_offset, 9'000'000'000);
    EXPECT_EQ(parsed->fields, fields);
  }
}

TEST(ControlBatchTest, ParserRefusesCorruptOrNonMarkerBatches) {
  Bytes batch = BuildTxnMarkerBatch(1, AbortMarker());
  Bytes flipped = batch;
  flipped.back() ^= 0x01;
  EXPECT_FALSE(ParseTxnMarkerBatch(flipped).ok());
  Bytes truncated(batch.begin(), batch.end() - 1);
  EXPECT_FALSE(ParseTxnMarkerBatch(truncated).ok());
  EXPECT_FALSE(ParseTxnMarkerBatch(ByteView{}).ok());
}

}  // namespace
}  // namespace sluice
