// The produce buffer: one object per flush whatever the partition count, offsets assigned in
// arrival order, and nothing acknowledged before the commit.
#include "agent/produce/batcher.h"

#include <gtest/gtest.h>

#include "common/blocking.h"
#include "record/batch_builder.h"
#include "record/record_batch.h"
#include "storage/segment_format.h"

namespace sluice::agent {
namespace {

class BatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    objects_ = std::move(storage::OpenObjectStore("mem://batcher", pool_.get_executor())).value();
    store_ =
        std::move(metadata::OpenMetadataStore("sqlite::memory:", pool_.get_executor())).value();
    Run([&]() -> Task<bool> {
      EXPECT_TRUE((co_await store_->Migrate()).ok());
      EXPECT_TRUE((co_await store_->CreateTopic("t", 50, {})).ok());
      co_return true;
    });
  }
  void TearDown() override { pool_.join(); }

  // Runs a coroutine on io_ to completion.
  template <typename F>
  void Run(F make) {
    asio::co_spawn(io_, make(), asio::detached);
    io_.run();
    io_.restart();
  }

  std::unique_ptr<Batcher> MakeBatcher(std::chrono::milliseconds timeout, uint64_t max_bytes) {
    BatcherOptions options;
    options.batch_timeout = timeout;
    options.batch_max_bytes = max_bytes;
    options.object_key_prefix = "segments/";
    return std::make_unique<Batcher>(io_.get_executor(), *objects_, *store_, clock_, options,
                                     [this](const auto&, const auto&) { commits_++; });
  }

  static PendingChunk Chunk(int32_t partition, int records) {
    BatchBuildOptions options;
    std::vector<RecordToBuild> rs(records);
    for (int i = 0; i < records; ++i) rs[i].value = ToBytes("v" + std::to_string(i));
    PendingChunk chunk;
    chunk.topic = "t";
    chunk.partition = partition;
    chunk.batch = BuildBatch(options, rs);
    chunk.record_count = records;
    chunk.last_offset_delta = records - 1;
    return chunk;
  }

  Task<size_t> CountObjects() {
    auto page = co_await objects_->List("segments/", "", 1000);
    co_return page.ok() ? page->objects.size() : 0;
  }

  asio::thread_pool pool_{2};
  asio::io_context io_;
  SystemClock clock_;
  std::unique_ptr<storage::ObjectStore> objects_;
  std::unique_ptr<metadata::MetadataStore> store_;
  int commits_ = 0;
};

TEST_F(BatcherTest, ManyPartitionsWithinOneTimeoutMakeOneObject) {
  auto batcher = MakeBatcher(std::chrono::milliseconds(20), 8 << 20);
  Run([&]() -> Task<bool> {
    std::vector<std::shared_ptr<OneShot<AppendOutcome>>> waits;
    for (int p = 0; p < 50; ++p) {
      std::vector<PendingChunk> chunks;
      chunks.push_back(Chunk(p, 3));
      chunks.push_back(Chunk(p, 2));
      waits.push_back(batcher->Append(std::move(chunks)));
    }
    for (int p = 0; p < 50; ++p) {
      AppendOutcome outcome = co_await waits[p]->Wait();
      EXPECT_TRUE(outcome.ok());
      EXPECT_EQ(outcome->size(), 2u);
      EXPECT_EQ((*outcome)[0].base_offset, 0);  // first batch of each partition starts at 0
      EXPECT_EQ((*outcome)[1].base_offset, 3);  // the second follows it
    }
    EXPECT_EQ(co_await CountObjects(), 1u);
    co_return true;
  });
  EXPECT_EQ(commits_, 1);
  EXPECT_EQ(batcher->stats().objects, 1u);
}

TEST_F(BatcherTest, SizeLimitFlushesEarlyAndKeepsOrder) {
  // A tiny size limit: every append seals a buffer, flushes run one after another.
  auto batcher = MakeBatcher(std::chrono::seconds(60), 1);
  Run([&]() -> Task<bool> {
    std::vector<std::shared_ptr<OneShot<AppendOutcome>>> waits;
    for (int i = 0; i < 5; ++i) {
      std::vector<PendingChunk> chunks;
      chunks.push_back(Chunk(7, 4));
      waits.push_back(batcher->Append(std::move(chunks)));
    }
    for (int i = 0; i < 5; ++i) {
      AppendOutcome outcome = co_await waits[i]->Wait();
      EXPECT_TRUE(outcome.ok());
      EXPECT_EQ((*outcome)[0].base_offset, 4 * i);
    }
    EXPECT_EQ(co_await CountObjects(), 5u);
    co_return true;
  });
}

TEST_F(BatcherTest, ObjectIsASelfDescribingSegment) {
  auto batcher = MakeBatcher(std::chrono::milliseconds(5), 8 << 20);
  Run([&]() -> Task<bool> {
    std::vector<PendingChunk> chunks;
    chunks.push_back(Chunk(2, 1));
    chunks.push_back(Chunk(1, 1));
    auto wait = batcher->Append(std::move(chunks));
    EXPECT_TRUE((co_await wait->Wait()).ok());
    auto page = co_await objects_->List("segments/", "", 10);
    EXPECT_TRUE(page.ok());
    auto object = co_await objects_->Get(page->objects.at(0).key, 0, UINT64_MAX);
    EXPECT_TRUE(object.ok());
    auto footer = ParseSegmentFooter(*object);
    EXPECT_TRUE(footer.ok());
    EXPECT_EQ(footer->chunks.size(), 2u);
    // Laid out grouped by partition.
    EXPECT_EQ(footer->chunks[0].partition, 1);
    EXPECT_EQ(footer->chunks[1].partition, 2);
    co_return true;
  });
}

TEST_F(BatcherTest, UnknownPartitionFailsOnlyItsChunk) {
  auto batcher = MakeBatcher(std::chrono::milliseconds(5), 8 << 20);
  Run([&]() -> Task<bool> {
    std::vector<PendingChunk> chunks;
    chunks.push_back(Chunk(99, 1));  // topic "t" has 50 partitions
    chunks.push_back(Chunk(0, 1));
    auto wait = batcher->Append(std::move(chunks));
    AppendOutcome outcome = co_await wait->Wait();
    EXPECT_TRUE(outcome.ok());
    EXPECT_EQ((*outcome)[0].error_code, 3);
    EXPECT_EQ((*outcome)[1].error_code, 0);
    EXPECT_EQ((*outcome)[1].base_offset, 0);
    co_return true;
  });
}

}  // namespace
}  // namespace sluice::agent
