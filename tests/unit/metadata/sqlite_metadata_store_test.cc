// SQLite-only facts that the interface does not expose: dead-object marking, pragmas, migrations
// bookkeeping. Checked by reading the database file directly.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <optional>

#include "await.h"
#include "metadata/metadata_store.h"
#include "metadata/schema.h"
#include "temp_dir.h"

namespace sluice::metadata {
namespace {

using testing::Await;

// Runs one query against the file and returns the first column of the first row (nullopt for
// no row or NULL).
std::optional<std::string> QueryOne(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
  std::optional<std::string> out;
  if (stmt && sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

ChunkToCommit Chunk(const std::string& topic) {
  ChunkToCommit c;
  c.topic = topic;
  c.byte_length = 10;
  c.record_count = 1;
  return c;
}

class SqliteMetadataStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (dir_.path() / "meta.db").string();
    auto opened = OpenMetadataStore("sqlite://" + path_, pool_.get_executor());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    ASSERT_TRUE(Await(store_->Migrate()).ok());
  }
  void TearDown() override {
    store_.reset();
    pool_.join();
  }
  std::optional<std::string> DeadSince(const std::string& object_id) {
    return QueryOne(path_,
                    "SELECT dead_since_ms FROM objects WHERE object_id = '" + object_id + "'");
  }
  void Commit(const std::string& id, std::vector<ChunkToCommit> chunks) {
    CommitRequest r{id, "key/" + id, 100, 0, std::move(chunks)};
    ASSERT_TRUE(Await(store_->CommitObject(std::move(r))).ok());
  }

  testing::TempDir dir_;
  std::string path_;
  asio::thread_pool pool_{1};
  std::unique_ptr<MetadataStore> store_;
};

TEST_F(SqliteMetadataStoreTest, DeleteTopicMarksObjectsWithoutLiveChunksDead) {
  ASSERT_TRUE(Await(store_->CreateTopic("t", 1, {})).ok());
  ASSERT_TRUE(Await(store_->CreateTopic("u", 1, {})).ok());
  Commit("only-t", {Chunk("t")});
  Commit("shared", {Chunk("t"), Chunk("u")});
  EXPECT_FALSE(DeadSince("only-t").has_value());
  ASSERT_TRUE(Await(store_->DeleteTopic("t")).ok());
  EXPECT_TRUE(DeadSince("only-t").has_value());
  EXPECT_FALSE(DeadSince("shared").has_value());
  EXPECT_EQ(QueryOne(path_, "SELECT COUNT(*) FROM chunks"), "1");
  ASSERT_TRUE(Await(store_->DeleteTopic("u")).ok());
  EXPECT_TRUE(DeadSince("shared").has_value());
  EXPECT_EQ(QueryOne(path_, "SELECT COUNT(*) FROM chunks"), "0");
}

TEST_F(SqliteMetadataStoreTest, ObjectWithNothingIndexedIsDeadAtOnce) {
  Commit("all-failed", {Chunk("missing")});
  EXPECT_TRUE(DeadSince("all-failed").has_value());
}

TEST_F(SqliteMetadataStoreTest, WalModeAndMigrationsRecordedOnce) {
  ASSERT_TRUE(Await(store_->Migrate()).ok());
  EXPECT_EQ(QueryOne(path_, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(QueryOne(path_, "SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(SchemaMigrations().size()));
  EXPECT_EQ(QueryOne(path_, "SELECT COUNT(*) FROM cluster"), "1");
}

}  // namespace
}  // namespace sluice::metadata
