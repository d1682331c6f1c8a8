// The commit-notice wire form between agents: round trip and refusal of malformed bodies.
#include "agent/cluster/commit_notices.h"

#include <gtest/gtest.h>

namespace sluice::agent {
namespace {

TEST(CommitNotices, RoundTrip) {
  std::vector<CommitNotice> in = {{"orders", 0, 42, 0, -1, std::nullopt},
                                  {"a.b-c_d", 17, 9000000000LL, 12, -1, std::nullopt}};
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

TEST(CommitNotices, CarryTheLastStableOffsetAndAbortOffsetWhenKnown) {
  CommitNotice lso_only{"t", 1, 50, 0, 40, std::nullopt};
  CommitNotice both{"t", 2, 50, 0, 45, 44};
  CommitNotice no_abort{"t", 3, 50, 0, 50, -1};
  std::string body = EncodeCommitNotices({lso_only, both, no_abort});
  EXPECT_EQ(body, "t\t1\t50\t0\t40\nt\t2\t50\t0\t45\t44\nt\t3\t50\t0\t50\t-1\n");
  auto out = DecodeCommitNotices(body + "old\t0\t9\t0\n");  // an older agent's line
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 4u);
  EXPECT_EQ((*out)[0].last_stable_offset, 40);
  EXPECT_FALSE((*out)[0].last_abort_offset.has_value());
  EXPECT_EQ((*out)[1].last_stable_offset, 45);
  EXPECT_EQ((*out)[1].last_abort_offset, std::optional<int64_t>(44));
  EXPECT_EQ((*out)[2].last_abort_offset, std::optional<int64_t>(-1));
  EXPECT_EQ((*out)[3].last_stable_offset, -1);  // unknown: the receiver keeps its LSO
  EXPECT_FALSE((*out)[3].last_abort_offset.has_value());
}

TEST(CommitNotices, MalformedBodiesAreRefused) {
  for (std::string bad : std::vector<std::string>{
           "orders\t0\t42\t0", "orders\t0\t42\n", "orders\t0\t42\t0\t1\t-1\t7\n",
           "orders\t0\t42\t0\t43\n", "orders\t0\t42\t0\t40\t42\n", "orders\t0\t42\t0\t40\t-2\n",
           "orders\t0\t42\t0\t\n", "or/ders\t0\t42\t0\n", "\t0\t42\t0\n", "orders\t-1\t42\t0\n",
           "orders\t0\t4x\t0\n", "orders\t0\t42\t43\n", "orders\t0\t\t0\n",
           "orders\t99999999999\t1\t0\n", std::string(300, 'a') + "\t0\t1\t0\n"}) {
    EXPECT_FALSE(DecodeCommitNotices(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace sluice::agent
