// The commit-notice wire form between agents: round trip and refusal of malformed bodies.
#include "agent/cluster/commit_notices.h"

#include <gtest/gtest.h>

namespace sluice::agent {
namespace {

TEST(CommitNotices, RoundTrip) {
  std::vector<CommitNotice> in = {{"orders", 0, 42, 0}, {"a.b-c_d", 17, 9000000000LL, 12}};
  std::string body = EncodeCommitNotices(in);
  EXPECT_EQ(body, "orders\t0\t42\t0\na.b-c_d\t17\t9000000000\t12\n");
  auto out = DecodeCommitNotices(body);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[1].topic, "a.b-c_d");
  EXPECT_EQ((*out)[1].partition, 17);
  EXPECT_EQ((*out)[1].high_watermark, 9000000000LL);
  EXPECT_EQ((*out)[1].log_start_offset, 12);
  EXPECT_TRUE(DecodeCommitNotices("").ok());
}

TEST(CommitNotices, MalformedBodiesAreRefused) {
  for (std::string bad : std::vector<std::string>{
           "orders\t0\t42\t0", "orders\t0\t42\n", "orders\t0\t42\t0\t1\n", "or/ders\t0\t42\t0\n",
           "\t0\t42\t0\n", "orders\t-1\t42\t0\n", "orders\t0\t4x\t0\n", "orders\t0\t42\t43\n",
           "orders\t0\t\t0\n", "orders\t99999999999\t1\t0\n",
           std::string(300, 'a') + "\t0\t1\t0\n"}) {
    EXPECT_FALSE(DecodeCommitNotices(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace sluice::agent
