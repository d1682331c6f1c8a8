#include "protocol/header.h"

#include <gtest/gtest.h>

#include "protocol/api_keys.h"
#include "protocol/error_codes.h"

namespace sluice::protocol {
namespace {

TEST(HeaderTest, RequestHeaderVersions) {
  EXPECT_EQ(RequestHeaderVersion(18, 2), 1);  // ApiVersions v2
  EXPECT_EQ(RequestHeaderVersion(18, 3), 2);  // ApiVersions v3 is flexible
  EXPECT_EQ(RequestHeaderVersion(18, 4), 2);  // newer than ours: still flexible
  EXPECT_EQ(RequestHeaderVersion(0, 8), 1);
  EXPECT_EQ(RequestHeaderVersion(0, 9), 2);
  EXPECT_EQ(RequestHeaderVersion(3, 9), 2);
  EXPECT_EQ(RequestHeaderVersion(60, 0), 2);  // DescribeCluster is flexible from v0
  EXPECT_EQ(RequestHeaderVersion(9999, 3), 1);
}

TEST(HeaderTest, ResponseHeaderVersions) {
  EXPECT_EQ(ResponseHeaderVersion(18, 3), 0);  // ApiVersions: always v0
  EXPECT_EQ(ResponseHeaderVersion(1, 11), 0);
  EXPECT_EQ(ResponseHeaderVersion(1, 12), 1);
  EXPECT_EQ(ResponseHeaderVersion(3, 8), 0);
  EXPECT_EQ(ResponseHeaderVersion(3, 9), 1);
}

TEST(HeaderTest, RequestHeaderV2KeepsInt16ClientIdLength) {
  RequestHeader h;
  h.api_key = 3;
  h.api_version = 12;
  h.correlation_id = 7;
  h.client_id = "ab";
  Writer w;
  h.Encode(w, 2);
  EXPECT_EQ(w.buffer(), (Bytes{0x00, 0x03, 0x00, 0x0c, 0, 0, 0, 7, 0x00, 0x02, 'a', 'b', 0x00}));
  Reader r(w.buffer());
  RequestHeader decoded;
  ASSERT_TRUE(decoded.DecodeAnyVersion(r).ok());
  EXPECT_EQ(decoded, h);
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(HeaderTest, NullClientId) {
  RequestHeader h;
  h.api_key = 0;
  h.api_version = 3;
  h.correlation_id = 1;
  Writer w;
  h.Encode(w, 1);
  EXPECT_EQ(w.buffer(), (Bytes{0, 0, 0, 3, 0, 0, 0, 1, 0xff, 0xff}));
  Reader r(w.buffer());
  RequestHeader decoded;
  ASSERT_TRUE(decoded.DecodeAnyVersion(r).ok());
  EXPECT_EQ(decoded.client_id, std::nullopt);
}

TEST(HeaderTest, TruncatedHeadersFail) {
  Bytes full{0x00, 0x03, 0x00, 0x0c, 0, 0, 0, 7, 0x00, 0x02, 'a', 'b', 0x00};
  for (size_t len = 0; len < full.size(); ++len) {
    Reader r(ByteView(full).first(len));
    RequestHeader h;
    EXPECT_FALSE(h.DecodeAnyVersion(r).ok()) << len;
  }
}

TEST(HeaderTest, ResponseHeaderKeepsUnknownTags) {
  Bytes bytes{0, 0, 0, 9, 0x01, 0x05, 0x02, 0xaa, 0xbb};
  Reader r(bytes);
  ResponseHeader h;
  ASSERT_TRUE(h.Decode(r, 1).ok());
  EXPECT_EQ(h.correlation_id, 9);
  ASSERT_EQ(h.unknown_tags.size(), 1u);
  EXPECT_EQ(h.unknown_tags[0].tag, 5u);
  EXPECT_EQ(h.unknown_tags[0].data, (Bytes{0xaa, 0xbb}));
  Writer w;
  h.Encode(w, 1);
  EXPECT_EQ(w.buffer(), bytes);
  Writer v0;
  ResponseHeader{.correlation_id = 9}.Encode(v0, 0);
  EXPECT_EQ(v0.buffer(), (Bytes{0, 0, 0, 9}));
}

TEST(ErrorCodeTest, NumbersAndNamesFollowKafka) {
  EXPECT_EQ(ToInt(ErrorCode::kUnknownServerError), -1);
  EXPECT_EQ(ToInt(ErrorCode::kUnknownTopicOrPartition), 3);
  EXPECT_EQ(ToInt(ErrorCode::kNotLeaderOrFollower), 6);
  EXPECT_EQ(ToInt(ErrorCode::kNotCoordinator), 16);
  EXPECT_EQ(ToInt(ErrorCode::kUnsupportedVersion), 35);
  EXPECT_EQ(ToInt(ErrorCode::kKafkaStorageError), 56);
  EXPECT_EQ(ToInt(ErrorCode::kThrottlingQuotaExceeded), 89);
  EXPECT_EQ(ToInt(ErrorCode::kUnknownTopicId), 100);
  EXPECT_EQ(ErrorCodeName(ErrorCode::kRebalanceInProgress), "REBALANCE_IN_PROGRESS");
  EXPECT_EQ(ErrorCodeName(static_cast<ErrorCode>(9999)), "UNKNOWN");
}

}  // namespace
}  // namespace sluice::protocol
