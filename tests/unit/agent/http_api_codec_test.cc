// The REST Proxy codec pieces: base64, murmur2 partitioning, media types, produce bodies, record
// answers, and the consumer protocol a group leader writes.
#include <gtest/gtest.h>

#include <string>

#include "agent/groups/consumer_protocol.h"
#include "agent/http_api/consumer_protocol_codec.h"
#include "agent/http_api/embedded_format.h"
#include "record/partitioner.h"

namespace sluice::agent::http_api {
namespace {

Bytes B(std::string_view s) { return Bytes(s.begin(), s.end()); }

TEST(Base64, RoundTripsEveryLength) {
  Bytes data;
  for (int n = 0; n < 40; ++n) {
    auto decoded = Base64Decode(Base64Encode(data));
    ASSERT_TRUE(decoded.has_value()) << n;
    EXPECT_EQ(*decoded, data);
    data.push_back(static_cast<uint8_t>(n * 37 + 200));
  }
  EXPECT_EQ(Base64Encode(B("hello")), "aGVsbG8=");
  EXPECT_EQ(*Base64Decode("aGVsbG8"), B("hello"));  // padding optional
}

TEST(Base64, RefusesWhatNoEncoderWrites) {
  for (const char* bad :
       {"a", "aGVsbG8!", "not base64!", "aGVsbG9=", "====", "aG=VsbG8", "a b c d"}) {
    EXPECT_FALSE(Base64Decode(bad).has_value()) << bad;
  }
}

TEST(Murmur2, MatchesKafkaJavaClient) {
  // Values from Kafka's UtilsTest.testMurmur2.
  EXPECT_EQ(Murmur2(B("21")), -973932308);
  EXPECT_EQ(Murmur2(B("foobar")), -790332482);
  EXPECT_EQ(Murmur2(B("a-little-bit-long-string")), -985981536);
  EXPECT_EQ(Murmur2(B("a-little-bit-longer-string")), -1486304829);
  EXPECT_EQ(Murmur2(B("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")), -58897971);
  EXPECT_EQ(Murmur2(B("abc")), 479470107);
  for (int32_t n : {1, 3, 7}) {
    int32_t p = PartitionForKey(B("foobar"), n);
    EXPECT_GE(p, 0);
    EXPECT_LT(p, n);
  }
}

TEST(MediaTypes, ContentTypeAndAccept) {
  EXPECT_EQ(ContentTypeFormat("application/vnd.kafka.json.v2+json"), EmbeddedFormat::kJson);
  EXPECT_EQ(ContentTypeFormat("Application/Vnd.Kafka.Binary.V2+Json; charset=utf-8"),
            EmbeddedFormat::kBinary);
  EXPECT_FALSE(ContentTypeFormat("application/json").has_value());
  EXPECT_FALSE(ContentTypeFormat("application/vnd.kafka.avro.v2+json").has_value());
  EXPECT_EQ(AcceptFormat("", EmbeddedFormat::kJson), EmbeddedFormat::kJson);
  EXPECT_EQ(AcceptFormat("*/*", EmbeddedFormat::kBinary), EmbeddedFormat::kBinary);
  EXPECT_EQ(
      AcceptFormat("text/html, application/vnd.kafka.json.v2+json;q=0.9", EmbeddedFormat::kBinary),
      EmbeddedFormat::kJson);
  EXPECT_FALSE(AcceptFormat("text/html", EmbeddedFormat::kBinary).has_value());
}

TEST(ProduceBody, ParsesBothFormats) {
  std::vector<ProduceRecord> records;
  ASSERT_FALSE(ParseProduceBody(
      R"({"records":[{"key":"a2V5","value":null,"partition":2,"headers":[{"key":"h","value":"AQI="}]}]})",
      EmbeddedFormat::kBinary, records));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(*records[0].record.key, B("key"));
  EXPECT_FALSE(records[0].record.value.has_value());
  EXPECT_EQ(records[0].partition, 2);
  ASSERT_EQ(records[0].record.headers.size(), 1u);
  EXPECT_EQ(*records[0].record.headers[0].value, (Bytes{1, 2}));

  ASSERT_FALSE(ParseProduceBody(R"({"records":[{"key":{"b":1,"a":[true]},"value":"text"}]})",
                                EmbeddedFormat::kJson, records));
  EXPECT_EQ(*records[0].record.key, B(R"({"a":[true],"b":1})"));
  EXPECT_EQ(*records[0].record.value, B(R"("text")"));
  EXPECT_FALSE(records[0].partition.has_value());
}

TEST(ProduceBody, RefusesMalformedInput) {
  std::vector<ProduceRecord> records;
  auto code = [&](std::string_view body, EmbeddedFormat format) {
    auto error = ParseProduceBody(body, format, records);
    return error ? error->error_code : 0;
  };
  EXPECT_EQ(code("{\"records\":[", EmbeddedFormat::kJson), 400);
  EXPECT_EQ(code("[]", EmbeddedFormat::kJson), 42201);
  EXPECT_EQ(code(R"({"records":[]})", EmbeddedFormat::kJson), 42201);
  EXPECT_EQ(code(R"({"records":{}})", EmbeddedFormat::kJson), 42201);
  EXPECT_EQ(code(R"({"records":[{"value":1,"extra":2}]})", EmbeddedFormat::kJson), 42201);
  EXPECT_EQ(code(R"({"records":[{"value":1}]})", EmbeddedFormat::kBinary), 42201);
  EXPECT_EQ(code(R"({"records":[{"value":"@@"}]})", EmbeddedFormat::kBinary), 42201);
  EXPECT_EQ(code(R"({"records":[{"partition":-1}]})", EmbeddedFormat::kJson), 42201);
  EXPECT_EQ(code(R"({"records":[{"partition":1.5}]})", EmbeddedFormat::kJson), 42201);
  EXPECT_EQ(code(R"({"records":[{"headers":[{"value":"x"}]}]})", EmbeddedFormat::kJson), 42201);
  EXPECT_EQ(code(R"({"records":[{"value":1}],"value_schema":"{}"})", EmbeddedFormat::kJson), 42201);
  EXPECT_EQ(code(R"({"records":[{"value":1}]})", EmbeddedFormat::kJson), 0);
}

TEST(RecordAnswer, EmbedsBytesOrJson) {
  Record record;
  record.offset = 42;
  record.timestamp = 7;
  record.key = B("\"k\"");
  record.value = B(R"({"x":1})");
  record.headers.push_back({"h", B("v")});
  Json out;
  ASSERT_FALSE(RecordToJson("t", 3, record, EmbeddedFormat::kJson, out));
  EXPECT_EQ(DumpJson(out),
            R"({"headers":[{"key":"h","value":"v"}],"key":"k","offset":42,"partition":3,)"
            R"("timestamp":7,"topic":"t","value":{"x":1}})");
  ASSERT_FALSE(RecordToJson("t", 3, record, EmbeddedFormat::kBinary, out));
  EXPECT_EQ(out["value"], Base64Encode(B(R"({"x":1})")));
  EXPECT_EQ(out["headers"][0]["value"], "dg==");
  record.value = B("not json");
  auto error = RecordToJson("t", 3, record, EmbeddedFormat::kJson, out);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->error_code, 42203);
  EXPECT_EQ(error->http_status(), 422);
}

TEST(ConsumerProtocol, SubscriptionReadsBackAndAssignmentRoundTrips) {
  auto topics = groups::ParseSubscriptionTopics(EncodeSubscription({"a", "bb"}));
  ASSERT_TRUE(topics.ok());
  EXPECT_EQ(*topics, (std::vector<std::string>{"a", "bb"}));
  TopicPartitions assignment{{"a", {0, 2}}, {"bb", {5}}};
  auto decoded = DecodeAssignment(EncodeAssignment(assignment));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, assignment);
  EXPECT_TRUE(DecodeAssignment(Bytes{}).ok());
  EXPECT_FALSE(DecodeAssignment(Bytes{0, 0, 0, 0, 0, 9}).ok());  // truncated
}

TEST(ConsumerProtocol, RangeAssignorSplitsLikeKafka) {
  auto out = RangeAssign({{"m2", {"t"}}, {"m1", {"t", "u"}}, {"m3", {"t"}}}, {{"t", 7}, {"u", 2}});
  EXPECT_EQ(out["m1"]["t"], (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(out["m2"]["t"], (std::vector<int32_t>{3, 4}));
  EXPECT_EQ(out["m3"]["t"], (std::vector<int32_t>{5, 6}));
  EXPECT_EQ(out["m1"]["u"], (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(out["m2"].count("u"), 0u);
  auto more_members = RangeAssign({{"a", {"t"}}, {"b", {"t"}}, {"c", {"t"}}}, {{"t", 1}});
  EXPECT_EQ(more_members["a"]["t"], (std::vector<int32_t>{0}));
  EXPECT_TRUE(more_members["b"].empty());
  EXPECT_TRUE(more_members.count("c"));
}

}  // namespace
}  // namespace sluice::agent::http_api
