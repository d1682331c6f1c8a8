#include "common/status.h"

#include <gtest/gtest.h>

#include "common/blocking.h"

namespace sluice {
namespace {

Result<int> Half(int x) {
  if (x % 2) return Status::InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  SLUICE_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST(StatusTest, OkAndError) {
  EXPECT_TRUE(Status::Ok().ok());
  Status s = Status::NotFound("topic x");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(), "NotFound: topic x");
}

TEST(ResultTest, PropagatesErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_FALSE(Quarter(6).ok());
  EXPECT_EQ(Quarter(6).status().code(), StatusCode::kInvalidArgument);
}

TEST(BlockingTest, RunsOnPoolAndReturns) {
  asio::thread_pool pool(1);
  auto task = [&]() -> Task<int> {
    co_return co_await RunBlocking(pool.get_executor(), [] { return 7; });
  };
  EXPECT_EQ(RunSync(task()), 7);
  pool.join();
}

}  // namespace
}  // namespace sluice
