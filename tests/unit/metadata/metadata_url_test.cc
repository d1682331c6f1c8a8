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
       {"", "sqlite://", "sqlite:///", "mysql://x", "sqlite:", "sqlite://a.db?x=1"}) {
    auto store = OpenMetadataStore(url, pool.get_executor());
    ASSERT_FALSE(store.ok()) << url;
    EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument) << url;
  }
  auto pg = OpenMetadataStore("postgres://localhost/sluice", pool.get_executor());
  ASSERT_FALSE(pg.ok());
  EXPECT_EQ(pg.status().code(), StatusCode::kUnimplemented);
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
