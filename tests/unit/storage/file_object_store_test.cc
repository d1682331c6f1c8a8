// What only the file:// back end promises: durability across reopen, no leftovers, on-disk layout.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits>

#include "await.h"
#include "storage/object_store.h"
#include "temp_dir.h"

namespace sluice::storage {
namespace {

using testing::Await;
using testing::TempDir;
namespace fs = std::filesystem;

constexpr uint64_t kToEnd = std::numeric_limits<uint64_t>::max();

std::vector<std::string> AllFiles(const fs::path& root) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) out.push_back(e.path().lexically_relative(root).generic_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(FileObjectStoreTest, DataSurvivesReopen) {
  TempDir dir;
  const std::string url = "file://" + dir.path().string() + "/bucket";
  {
    asio::thread_pool pool(1);
    auto store = OpenObjectStore(url, pool.get_executor());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE(Await((*store)->Put("seg/0001", ToBytes("first"))).ok());
    ASSERT_TRUE(Await((*store)->Put("seg/0002", ToBytes("second"))).ok());
    pool.join();
  }
  asio::thread_pool pool(1);
  auto store = OpenObjectStore(url, pool.get_executor());
  ASSERT_TRUE(store.ok());
  auto got = Await((*store)->Get("seg/0002", 0, kToEnd));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(AsString(*got), "second");
  auto page = Await((*store)->List("seg/", "", 10));
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "seg/0001");
  pool.join();
}

TEST(FileObjectStoreTest, KeysMapToFilesAndNoTempFilesRemain) {
  TempDir dir;
  asio::thread_pool pool(2);
  auto store = OpenObjectStore("file://" + dir.path().string(), pool.get_executor());
  ASSERT_TRUE(store.ok());
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(Await((*store)->Put("a/b/k" + std::to_string(i % 5), ToBytes("v"))).ok());
  }
  ASSERT_TRUE(Await((*store)->Put("top", ToBytes("t"))).ok());
  EXPECT_EQ(AllFiles(dir.path()),
            (std::vector<std::string>{"a/b/k0", "a/b/k1", "a/b/k2", "a/b/k3", "a/b/k4", "top"}));
  std::ifstream in(dir.path() / "top");
  std::string content;
  in >> content;
  EXPECT_EQ(content, "t");
  pool.join();
}

TEST(FileObjectStoreTest, ListIgnoresLeftoverTempFiles) {
  TempDir dir;
  std::ofstream(dir.path() / ".sluice-tmp-deadbeef") << "partial";
  asio::thread_pool pool(1);
  auto store = OpenObjectStore("file://" + dir.path().string(), pool.get_executor());
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE(Await((*store)->Put("real", ToBytes("x"))).ok());
  auto page = Await((*store)->List("", "", 10));
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].key, "real");
  pool.join();
}

TEST(FileObjectStoreTest, RelativeDirectoryUrl) {
  TempDir dir;
  const fs::path old_cwd = fs::current_path();
  fs::current_path(dir.path());
  {
    asio::thread_pool pool(1);
    auto store = OpenObjectStore("file://rel/bucket", pool.get_executor());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ((*store)->Describe(), "file://rel/bucket");
    ASSERT_TRUE(Await((*store)->Put("k", ToBytes("v"))).ok());
    pool.join();
  }
  fs::current_path(old_cwd);
  EXPECT_TRUE(fs::is_regular_file(dir.path() / "rel/bucket/k"));
}

TEST(FileObjectStoreTest, ObjectCannotAlsoBeAPrefix) {
  TempDir dir;
  asio::thread_pool pool(1);
  auto store = OpenObjectStore("file://" + dir.path().string(), pool.get_executor());
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE(Await((*store)->Put("a", ToBytes("x"))).ok());
  EXPECT_EQ(Await((*store)->Put("a/b", ToBytes("y"))).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(Await((*store)->Put("c/d", ToBytes("y"))).ok());
  EXPECT_EQ(Await((*store)->Put("c", ToBytes("x"))).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(AllFiles(dir.path()), (std::vector<std::string>{"a", "c/d"}));
  pool.join();
}

TEST(FileObjectStoreTest, OpenFailsWhenRootIsAFile) {
  TempDir dir;
  std::ofstream(dir.path() / "file") << "x";
  asio::thread_pool pool(1);
  auto store = OpenObjectStore("file://" + (dir.path() / "file").string(), pool.get_executor());
  EXPECT_FALSE(store.ok());
  pool.join();
}

}  // namespace
}  // namespace sluice::storage
