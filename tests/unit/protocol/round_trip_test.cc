// Every message at every version: a sample with every present field set to a non-default value
// must survive encode -> decode -> encode byte for byte, and every truncation of it must fail.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "protocol/messages.h"
#include "protocol/testing/samples.h"

namespace sluice::protocol {
namespace {

int g_checked_versions = 0;

template <typename Msg>
void CheckRoundTrips(const char* name) {
  for (int16_t v = Msg::kMinVersion; v <= Msg::kMaxVersion; ++v) {
    SCOPED_TRACE(std::string(name) + " v" + std::to_string(v));
    Msg sample;
    testing::FillSample(sample, v);
    Writer w;
    sample.Encode(w, v);
    Bytes encoded = w.Take();
    // Only a version without fields (e.g. ApiVersionsRequest v0) may equal the defaults.
    Writer defaults;
    Msg{}.Encode(defaults, v);
    EXPECT_EQ(sample == Msg{}, defaults.buffer() == encoded) << "sample has only default values";

    Msg decoded;
    Reader r(encoded);
    ASSERT_TRUE(decoded.Decode(r, v).ok());
    EXPECT_EQ(r.remaining(), 0u);
    EXPECT_TRUE(decoded == sample);
    Writer again;
    decoded.Encode(again, v);
    EXPECT_EQ(again.buffer(), encoded);

    for (size_t len = 0; len < encoded.size(); ++len) {
      Reader prefix(ByteView(encoded).first(len));
      Msg partial;
      ASSERT_FALSE(partial.Decode(prefix, v).ok()) << "prefix of " << len << " bytes decoded";
    }

    // Random byte flips must never crash (ASan/UBSan builds make this meaningful).
    std::mt19937 rng(static_cast<uint32_t>(v) * 7919u + static_cast<uint32_t>(encoded.size()));
    for (int round = 0; round < 50 && !encoded.empty(); ++round) {
      Bytes mutated = encoded;
      for (int flips = 0; flips < 3; ++flips) {
        mutated[rng() % mutated.size()] = static_cast<uint8_t>(rng());
      }
      Reader mr(mutated);
      Msg garbage;
      (void)garbage.Decode(mr, v);
    }
    ++g_checked_versions;
  }
}

TEST(RoundTripTest, EveryMessageAtEveryVersion) {
#define SLUICE_CHECK_API(Api)                    \
  CheckRoundTrips<Api##Request>(#Api "Request"); \
  CheckRoundTrips<Api##Response>(#Api "Response");
  SLUICE_PROTOCOL_FOR_EACH_API(SLUICE_CHECK_API)
#undef SLUICE_CHECK_API
  int expected = 0;
  for (const ApiInfo& api : SupportedApis())
    expected += 2 * (api.max_version - api.min_version + 1);
  EXPECT_EQ(g_checked_versions, expected);
}

TEST(RoundTripTest, UnsupportedVersionIsRejected) {
  Bytes empty;
  Reader r(empty);
  ProduceRequest produce;
  EXPECT_EQ(produce.Decode(r, -1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(produce.Decode(r, 10).code(), StatusCode::kInvalidArgument);
}

TEST(RoundTripTest, DefaultsFollowKafka) {
  MetadataResponse metadata;
  EXPECT_EQ(metadata.controller_id, -1);
  EXPECT_EQ(metadata.cluster_id, std::nullopt);
  EXPECT_EQ(metadata.cluster_authorized_operations, INT32_MIN);
  FetchRequest fetch;
  EXPECT_EQ(fetch.max_bytes, 0x7fffffff);
  EXPECT_EQ(fetch.replica_id, -1);
  ProduceResponse::PartitionProduceResponse partition;
  EXPECT_EQ(partition.log_append_time_ms, -1);
  EXPECT_EQ(partition.log_start_offset, -1);
  CreateTopicsRequest create;
  EXPECT_EQ(create.timeout_ms, 60000);
  MetadataRequest request;
  EXPECT_TRUE(request.allow_auto_topic_creation);
}

TEST(RoundTripTest, SupportedApisTable) {
  const ApiInfo* produce = FindApi(0);
  ASSERT_NE(produce, nullptr);
  EXPECT_EQ(produce->name, "Produce");
  EXPECT_EQ(produce->min_version, 0);
  EXPECT_EQ(produce->max_version, 9);
  EXPECT_EQ(produce->first_flexible_version, 9);
  EXPECT_EQ(FindApi(9999), nullptr);
  int16_t previous = -1;
  for (const ApiInfo& api : SupportedApis()) {
    EXPECT_GT(api.api_key, previous);
    previous = api.api_key;
  }
  EXPECT_EQ(static_cast<int16_t>(ApiKey::kApiVersions), 18);
  EXPECT_EQ(static_cast<int16_t>(ApiKey::kMetadata), 3);
}

}  // namespace
}  // namespace sluice::protocol
