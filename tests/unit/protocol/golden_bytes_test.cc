// Hand-assembled byte strings, checked field by field against the Kafka protocol guide.
#include <gtest/gtest.h>

#include <string_view>

#include "protocol/framing.h"
#include "protocol/header.h"
#include "protocol/messages.h"

namespace sluice::protocol {
namespace {

void Append(Bytes& out, std::string_view s) { out.insert(out.end(), s.begin(), s.end()); }

TEST(GoldenBytesTest, ApiVersionsV3RequestAsLibrdkafkaSendsIt) {
  Bytes wire{0x00, 0x12,              // api key 18
             0x00, 0x03,              // version 3
             0x00, 0x00, 0x00, 0x01,  // correlation id
             0x00, 0x07};             // client id: INT16 length even in header v2
  Append(wire, "rdkafka");
  wire.push_back(0x00);  // header tagged fields
  wire.push_back(0x0b);  // compact string, length 10 + 1
  Append(wire, "librdkafka");
  wire.push_back(0x06);
  Append(wire, "2.0.2");
  wire.push_back(0x00);  // body tagged fields

  Reader r(wire);
  RequestHeader header;
  ASSERT_TRUE(header.DecodeAnyVersion(r).ok());
  EXPECT_EQ(header.api_key, 18);
  EXPECT_EQ(header.api_version, 3);
  EXPECT_EQ(header.correlation_id, 1);
  EXPECT_EQ(header.client_id, "rdkafka");
  ApiVersionsRequest request;
  ASSERT_TRUE(request.Decode(r, header.api_version).ok());
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(request.client_software_name, "librdkafka");
  EXPECT_EQ(request.client_software_version, "2.0.2");

  Writer w;
  header.Encode(w, RequestHeaderVersion(header.api_key, header.api_version));
  request.Encode(w, 3);
  EXPECT_EQ(w.buffer(), wire);
}

TEST(GoldenBytesTest, MetadataV1Request) {
  MetadataRequest request;
  request.topics.emplace();
  request.topics->push_back({.name = "test"});
  Writer w;
  RequestHeader{.api_key = 3, .api_version = 1, .correlation_id = 2, .client_id = "c"}.Encode(
      w, RequestHeaderVersion(3, 1));
  request.Encode(w, 1);
  Bytes expected{0x00, 0x03, 0x00, 0x01, 0,    0,    0,    2,
                 0x00, 0x01, 'c',  0x00, 0x00, 0x00, 0x01,  // one topic
                 0x00, 0x04, 't',  'e',  's',  't'};
  EXPECT_EQ(w.buffer(), expected);

  // v1 null topic array means "all topics".
  Bytes all{0xff, 0xff, 0xff, 0xff};
  Reader r(all);
  MetadataRequest decoded;
  ASSERT_TRUE(decoded.Decode(r, 1).ok());
  EXPECT_EQ(decoded.topics, std::nullopt);
  // v0 has no null array.
  Reader r0(all);
  EXPECT_FALSE(decoded.Decode(r0, 0).ok());
}

TEST(GoldenBytesTest, ProduceV7RequestHeaderAndBody) {
  Bytes wire{0x00, 0x00,              // Produce
             0x00, 0x07,              // v7
             0x00, 0x00, 0x30, 0x39,  // correlation id 12345
             0x00, 0x08};
  Append(wire, "producer");
  Bytes body{0xff, 0xff,                                // transactional id null
             0xff, 0xff,                                // acks -1
             0x00, 0x00, 0x75, 0x30,                    // timeout 30000
             0x00, 0x00, 0x00, 0x01,                    // one topic
             0x00, 0x01, 't',  0x00, 0x00, 0x00, 0x01,  // one partition
             0x00, 0x00, 0x00, 0x02,                    // index 2
             0x00, 0x00, 0x00, 0x03, 0xaa, 0xbb, 0xcc};
  wire.insert(wire.end(), body.begin(), body.end());

  Reader r(wire);
  RequestHeader header;
  ASSERT_TRUE(header.DecodeAnyVersion(r).ok());
  EXPECT_EQ(RequestHeaderVersion(0, 7), 1);
  EXPECT_EQ(header.api_key, 0);
  EXPECT_EQ(header.api_version, 7);
  EXPECT_EQ(header.correlation_id, 12345);
  EXPECT_EQ(header.client_id, "producer");
  ProduceRequest request;
  ASSERT_TRUE(request.Decode(r, 7).ok());
  EXPECT_EQ(request.transactional_id, std::nullopt);
  EXPECT_EQ(request.acks, -1);
  EXPECT_EQ(request.timeout_ms, 30000);
  ASSERT_EQ(request.topic_data.size(), 1u);
  EXPECT_EQ(request.topic_data[0].name, "t");
  ASSERT_EQ(request.topic_data[0].partition_data.size(), 1u);
  EXPECT_EQ(request.topic_data[0].partition_data[0].index, 2);
  EXPECT_EQ(request.topic_data[0].partition_data[0].records, (Bytes{0xaa, 0xbb, 0xcc}));
  Writer w;
  header.Encode(w, 1);
  request.Encode(w, 7);
  EXPECT_EQ(w.buffer(), wire);
}

// Produce v0-2 and Fetch v0-3 (legacy message formats): the old layouts, field by field.
TEST(GoldenBytesTest, ProduceV0RequestAndV2Response) {
  Bytes body{0x00, 0x01,                                // acks 1 (no transactional id before v3)
             0x00, 0x00, 0x03, 0xe8,                    // timeout 1000
             0x00, 0x00, 0x00, 0x01,                    // one topic
             0x00, 0x01, 't',  0x00, 0x00, 0x00, 0x01,  // one partition
             0x00, 0x00, 0x00, 0x00,                    // index 0
             0x00, 0x00, 0x00, 0x02, 0x01, 0x02};       // message set bytes
  Reader r(body);
  ProduceRequest request;
  ASSERT_TRUE(request.Decode(r, 0).ok());
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(request.acks, 1);
  EXPECT_EQ(request.timeout_ms, 1000);
  EXPECT_EQ(request.topic_data.at(0).partition_data.at(0).records, (Bytes{0x01, 0x02}));
  Writer w;
  request.Encode(w, 0);
  EXPECT_EQ(w.buffer(), body);

  ProduceResponse response;
  response.responses.push_back({.name = "t"});
  response.responses[0].partition_responses.push_back({.index = 0,
                                                       .error_code = 2,
                                                       .base_offset = 5,
                                                       .log_append_time_ms = 77,
                                                       .log_start_offset = 9});
  response.throttle_time_ms = 3;
  Bytes v0{0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't',  0x00,
           0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,         // index
           0x00, 0x02,                                       // error
           0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05};  // base offset
  Writer w0;
  response.Encode(w0, 0);
  EXPECT_EQ(w0.buffer(), v0);  // neither log_append_time, log_start_offset nor throttle
  Bytes v2 = v0;
  for (uint8_t b : {0, 0, 0, 0, 0, 0, 0, 77}) v2.push_back(b);  // log_append_time_ms
  for (uint8_t b : {0, 0, 0, 3}) v2.push_back(b);               // throttle_time_ms, at the end
  Writer w2;
  response.Encode(w2, 2);
  EXPECT_EQ(w2.buffer(), v2);
}

TEST(GoldenBytesTest, FetchV0RequestAndResponse) {
  Bytes body{0xff, 0xff, 0xff, 0xff,                          // replica id -1
             0x00, 0x00, 0x01, 0xf4,                          // max wait 500
             0x00, 0x00, 0x00, 0x01,                          // min bytes 1
             0x00, 0x00, 0x00, 0x01,                          // one topic
             0x00, 0x01, 't',  0x00, 0x00, 0x00, 0x01,        // one partition
             0x00, 0x00, 0x00, 0x03,                          // partition 3
             0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a,  // fetch offset 42
             0x00, 0x10, 0x00, 0x00};                         // partition max bytes 1 MiB
  Reader r(body);
  FetchRequest request;
  ASSERT_TRUE(request.Decode(r, 0).ok());
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(request.max_wait_ms, 500);
  EXPECT_EQ(request.max_bytes, 0x7fffffff);  // absent before v3
  EXPECT_EQ(request.topics.at(0).partitions.at(0).fetch_offset, 42);
  EXPECT_EQ(request.topics.at(0).partitions.at(0).partition_max_bytes, 1 << 20);
  Writer w;
  request.Encode(w, 0);
  EXPECT_EQ(w.buffer(), body);
  // v3 adds max_bytes after min_bytes.
  request.max_bytes = 256;
  Writer w3;
  request.Encode(w3, 3);
  Bytes v3(body.begin(), body.begin() + 12);
  for (uint8_t b : {0, 0, 1, 0}) v3.push_back(b);
  v3.insert(v3.end(), body.begin() + 12, body.end());
  EXPECT_EQ(w3.buffer(), v3);

  FetchResponse response;
  response.throttle_time_ms = 9;
  response.responses.push_back({.topic = "t"});
  FetchResponse::PartitionData partition;
  partition.partition_index = 3;
  partition.high_watermark = 50;
  partition.records = Bytes{0xab};
  response.responses[0].partitions.push_back(partition);
  Bytes v0{0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't',  0x00,
           0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03,        // partition
           0x00, 0x00,                                      // error
           0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x32,  // high watermark 50
           0x00, 0x00, 0x00, 0x01, 0xab};                   // message set
  Writer r0;
  response.Encode(r0, 0);
  EXPECT_EQ(r0.buffer(), v0);        // no throttle time in v0
  Bytes v1{0x00, 0x00, 0x00, 0x09};  // v1-3: throttle time first
  v1.insert(v1.end(), v0.begin(), v0.end());
  Writer r1;
  response.Encode(r1, 3);
  EXPECT_EQ(r1.buffer(), v1);
}

Bytes ApiVersionsV3ResponseWithTags(bool with_unknown_tag) {
  Bytes b{0x00,
          0x00,  // error code
          0x02,  // compact array: 1 element
          0x00,
          0x12,
          0x00,
          0x00,
          0x00,
          0x03,
          0x00,  // element tagged fields
          0x00,
          0x00,
          0x00,
          0x00,  // throttle time
          static_cast<uint8_t>(with_unknown_tag ? 0x02 : 0x01),
          0x01,
          0x08,
          0,
          0,
          0,
          0,
          0,
          0,
          0,
          5};  // tag 1 = finalized_features_epoch 5
  if (with_unknown_tag) {
    Bytes unknown{0x07, 0x02, 0xde, 0xad};  // tag 7, two bytes
    b.insert(b.end(), unknown.begin(), unknown.end());
  }
  return b;
}

TEST(GoldenBytesTest, FlexibleResponseWithTaggedField) {
  ApiVersionsResponse response;
  response.api_keys.push_back({.api_key = 18, .min_version = 0, .max_version = 3});
  response.finalized_features_epoch = 5;
  Writer w;
  response.Encode(w, 3);
  EXPECT_EQ(w.buffer(), ApiVersionsV3ResponseWithTags(false));

  // A default-valued tagged field is not written at all.
  response.finalized_features_epoch = -1;
  Writer w2;
  response.Encode(w2, 3);
  EXPECT_EQ(w2.size(), w.size() - 10);  // tag, size and 8 value bytes
  EXPECT_EQ(w2.buffer().back(), 0x00);
}

TEST(GoldenBytesTest, UnknownTaggedFieldsAreSkippedAndKept) {
  Bytes wire = ApiVersionsV3ResponseWithTags(true);
  Reader r(wire);
  ApiVersionsResponse response;
  ASSERT_TRUE(response.Decode(r, 3).ok());
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(response.finalized_features_epoch, 5);
  ASSERT_EQ(response.unknown_tags.size(), 1u);
  EXPECT_EQ(response.unknown_tags[0].tag, 7u);
  Writer w;
  response.Encode(w, 3);
  EXPECT_EQ(w.buffer(), wire);
}

TEST(GoldenBytesTest, UnknownTagInNestedStruct) {
  Bytes wire{0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00,
             0x00, 0x09, 0x01, 0x63, 0x01, 0x42,  // element: 1 tagged field, tag 99, 1 byte
             0x00, 0x00, 0x00, 0x00, 0x00};
  Reader r(wire);
  ApiVersionsResponse response;
  ASSERT_TRUE(response.Decode(r, 3).ok());
  ASSERT_EQ(response.api_keys.size(), 1u);
  EXPECT_EQ(response.api_keys[0].max_version, 9);
  ASSERT_EQ(response.api_keys[0].unknown_tags.size(), 1u);
  EXPECT_EQ(response.api_keys[0].unknown_tags[0].data, Bytes{0x42});
  Writer w;
  response.Encode(w, 3);
  EXPECT_EQ(w.buffer(), wire);
}

TEST(GoldenBytesTest, MalformedKnownTagIsCorruption) {
  // Tag 1 (an int64) announced with only two bytes.
  Bytes wire{0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x02, 0x00, 0x05};
  Reader r(wire);
  ApiVersionsResponse response;
  EXPECT_EQ(response.Decode(r, 3).code(), StatusCode::kCorruption);
}

TEST(GoldenBytesTest, HugeArrayCountIsRejectedWithoutAllocating) {
  // Metadata v1 request claiming 2^31-1 topics in 4 bytes of input.
  Bytes wire{0x7f, 0xff, 0xff, 0xff};
  Reader r(wire);
  MetadataRequest request;
  EXPECT_EQ(request.Decode(r, 1).code(), StatusCode::kCorruption);
}

TEST(GoldenBytesTest, ApiVersionsResponseFrameUsesHeaderV0EvenWhenFlexible) {
  ApiVersionsResponse response;
  response.api_keys.push_back({.api_key = 18, .min_version = 0, .max_version = 3});
  response.finalized_features_epoch = 5;
  Bytes frame = EncodeResponseFrame(0x01020304, 3, response).value();
  Bytes body = ApiVersionsV3ResponseWithTags(false);
  Bytes expected{0, 0, 0, static_cast<uint8_t>(4 + body.size()), 0x01, 0x02, 0x03, 0x04};
  expected.insert(expected.end(), body.begin(), body.end());
  EXPECT_EQ(frame, expected);
}

TEST(GoldenBytesTest, FlexibleResponseFrameHasHeaderTagBuffer) {
  HeartbeatResponse response;
  response.error_code = 27;  // REBALANCE_IN_PROGRESS
  Bytes frame = EncodeResponseFrame(7, 4, response).value();
  Bytes expected{0,   0, 0, 12,            // size
                 0,   0, 0, 7,  0x00,      // correlation id, header tagged fields
                 0,   0, 0, 0,  0,    27,  // throttle time, error code
                 0x00};                    // body tagged fields
  EXPECT_EQ(frame, expected);
  Bytes v3 = EncodeResponseFrame(7, 3, response).value();
  EXPECT_EQ(v3, (Bytes{0, 0, 0, 10, 0, 0, 0, 7, 0, 0, 0, 0, 0, 27}));
}

TEST(GoldenBytesTest, RequestFrameRoundTrip) {
  RequestHeader header{.api_key = 12, .api_version = 4, .correlation_id = 3, .client_id = "c"};
  HeartbeatRequest request{.group_id = "g", .generation_id = 2, .member_id = "m"};
  Bytes frame = EncodeRequestFrame(header, request).value();
  Reader r(ByteView(frame).subspan(4));
  RequestHeader decoded_header;
  ASSERT_TRUE(decoded_header.DecodeAnyVersion(r).ok());
  EXPECT_EQ(decoded_header, header);
  HeartbeatRequest decoded;
  ASSERT_TRUE(decoded.Decode(r, decoded_header.api_version).ok());
  EXPECT_EQ(decoded, request);
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(frame[3], frame.size() - 4);

  request.group_id = std::string(40000, 'g');  // fits a compact string (v4), not an INT16 one
  EXPECT_TRUE(EncodeRequestFrame(header, request).ok());
  header.api_version = 3;
  EXPECT_EQ(EncodeRequestFrame(header, request).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
TEST(GoldenBytesTest, AddPartitionsToTxnV0Request) {
  AddPartitionsToTxnRequest request;
  request.transactional_id = "tx";
  request.producer_id = 5;
  request.producer_epoch = 2;
  request.topics.push_back({.name = "t", .partitions = {0, 3}});
  Writer w;
  request.Encode(w, 0);
  Bytes expected{0x00, 0x02, 't', 'x',                           // transactional id, INT16 length
                 0,    0,    0,   0,   0, 0, 0, 5,               // producer id
                 0x00, 0x02,                                     // producer epoch
                 0,    0,    0,   1,                             // one topic
                 0x00, 0x01, 't',                                // its name
                 0,    0,    0,   2,   0, 0, 0, 0, 0, 0, 0, 3};  // partitions [0, 3]
  EXPECT_EQ(w.buffer(), expected);
}

TEST(GoldenBytesTest, EndTxnV3RequestIsFlexible) {
  EndTxnRequest request;
  request.transactional_id = "tx";
  request.producer_id = 1;
  request.producer_epoch = 0;
  request.committed = true;
  Writer w;
  request.Encode(w, 3);
  Bytes expected{0x03, 't',  'x',                 // compact string, length 2 + 1
                 0,    0,    0,   0, 0, 0, 0, 1,  // producer id
                 0x00, 0x00,                      // producer epoch
                 0x01,                            // committed
                 0x00};                           // tagged fields
  EXPECT_EQ(w.buffer(), expected);
  EndTxnRequest decoded;
  Reader r(expected);
  ASSERT_TRUE(decoded.Decode(r, 3).ok());
  EXPECT_TRUE(decoded == request);
}

}  // namespace sluice::protocol
