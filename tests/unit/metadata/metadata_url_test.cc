#include <gtest/gtest.h>

#include <filesystem>

#include "await.h"
#include "metadata/metadata_store.h"
#include "temp_dir.h"

namespace sluice::metadata {
namespace {

using testing::Await;

TEST(MetadataUrlTest, RejectsBadUrls) {
  asio::thread_pool pool(1);
  for (const char* url :
       {"", "sqlite://", "sqlite:///", "mysql://x", "sqlite:", "sqlite://a.db?x=1",
        "postgres://localhost/db?no_such_option=1", "postgresql://[::1/db"}) {
    auto store = OpenMetadataStore(url, pool.get_executor());
    ASSERT_FALSE(store.ok()) << url;
    EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument) << url;
  }
  // Nothing listens on port 1: the store connects at open and says the server is unavailable.
  auto pg = OpenMetadataStore("postgres://sluice@127.0.0.1:1/sluice?connect_timeout=5",
                              pool.get_executor());
  ASSERT_FALSE(pg.ok());
  EXPECT_EQ(pg.status().code(), StatusCode::kUnavailable) << pg.status().ToString();
  pool.join();
}

TEST(MetadataUrlTest, AbsoluteAndRelativeFilesAreCreated) {
  testing::TempDir dir;
  asio::thread_pool pool(1);
  {
    auto abs =
        OpenMetadataStore("sqlite://" + (dir.path() / "a/b/meta.db").string(), pool.get_executor());
    ASSERT_TRUE(abs.ok()) << abs.status().ToString();
    ASSERT_TRUE(Await((*abs)->Migrate()).ok());
  }
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "a/b/meta.db"));
  const auto old_cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  {
    auto rel = OpenMetadataStore("sqlite://rel/meta.db", pool.get_executor());
    ASSERT_TRUE(rel.ok()) << rel.status().ToString();
    ASSERT_TRUE(Await((*rel)->Migrate()).ok());
  }
  std::filesystem::current_path(old_cwd);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "rel/meta.db"));
  pool.join();
}

}  // namespace
}  // namespace sluice::metadata
