#include "client/records.h"

#include <gtest/gtest.h>

#include "protocol/wire.h"
#include "record/batch_builder.h"

namespace sluice::client {
namespace {

Bytes B(const std::string& s) { return Bytes(s.begin(), s.end()); }

Bytes Batch(int64_t base_offset, std::vector<std::string> values) {
  std::vector<RecordToBuild> records;
  for (auto& v : values) {
    RecordToBuild r;
    r.value = B(v);
    r.key = B("k-" + v);
    r.headers = {{"h", B("x")}};
    r.timestamp = 1000;
    records.push_back(std::move(r));
  }
  BatchBuildOptions options;
  options.base_offset = base_offset;
  return BuildBatch(options, records);
}

TEST(DecodeFetchedRecords, SkipsRecordsBeforeTheFetchOffsetAndTruncatedTail) {
  Bytes data = Batch(10, {"a", "b", "c"});
  Bytes second = Batch(13, {"d"});
  data.insert(data.end(), second.begin(), second.end());
  Bytes third = Batch(14, {"e", "f"});
  data.insert(data.end(), third.begin(), third.begin() + third.size() / 2);  // cut by max_bytes
  int64_t next = 11;
  auto records = DecodeFetchedRecords(data, 11, &next);
  ASSERT_TRUE(records.ok()) << records.status().message();
  ASSERT_EQ(records->size(), 3u);
  EXPECT_EQ((*records)[0].offset, 11);
  EXPECT_EQ((*records)[0].value, B("b"));
  EXPECT_EQ((*records)[0].key, B("k-b"));
  EXPECT_EQ((*records)[2].offset, 13);
  EXPECT_EQ((*records)[2].headers.at(0).key, "h");
  EXPECT_EQ(next, 14);  // the truncated batch is fetched again
}

TEST(DecodeFetchedRecords, RejectsACorruptBatch) {
  Bytes data = Batch(0, {"a"});
  data.back() ^= 0xff;  // inside the CRC-covered records
  int64_t next = 0;
  EXPECT_FALSE(DecodeFetchedRecords(data, 0, &next).ok());
}

TEST(DecodeConsumerAssignment, TopicsAndPartitions) {
  protocol::Writer w;
  w.WriteInt16(1);
  w.WriteArrayLength(2, false);
  w.WriteString("orders", false);
  w.WriteArrayLength(2, false);
  w.WriteInt32(0);
  w.WriteInt32(2);
  w.WriteString("audit", false);
  w.WriteArrayLength(1, false);
  w.WriteInt32(5);
  w.WriteBytes(ByteView(), false);  // user data
  auto assignment = DecodeConsumerAssignment(w.buffer());
  ASSERT_TRUE(assignment.ok());
  ASSERT_EQ(assignment->size(), 2u);
  EXPECT_EQ((*assignment)[0], (TopicPartitions{"orders", {0, 2}}));
  EXPECT_EQ((*assignment)[1], (TopicPartitions{"audit", {5}}));
  EXPECT_TRUE(DecodeConsumerAssignment(ByteView())->empty());
  Bytes truncated = w.buffer();
  truncated.resize(9);
  EXPECT_FALSE(DecodeConsumerAssignment(truncated).ok());
}

}  // namespace
}  // namespace sluice::client
