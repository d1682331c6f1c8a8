// The MetadataStore contract, run against every back end. The PostgreSQL instance skips unless
// SLUICE_TEST_POSTGRES_URL names a database (scripts/with-postgres.sh provides one).
#include "metadata/metadata_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <type_traits>

#include "await.h"
#include "metadata/timed_metadata_store.h"
#include "observability/metrics.h"
#include "postgres_test_db.h"
#include "temp_dir.h"

namespace sluice::metadata {
namespace {

using testing::Await;
using testing::TempDir;

struct BackEnd {
  std::string name;
  std::string (*url)(const std::filesystem::path& dir);
  bool persistent;  // reopening the same URL sees the same data
  bool postgres = false;
  bool timed = false;  // behind TimedMetadataStore: the decorator must not change any behaviour
};

void PrintTo(const BackEnd& back_end, std::ostream* os) { *os << back_end.name; }

ChunkToCommit Chunk(const std::string& topic, int32_t partition, int32_t last_offset_delta,
                    uint32_t byte_length = 100) {
  ChunkToCommit c;
  c.topic = topic;
  c.partition = partition;
  c.byte_length = byte_length;
  c.record_count = last_offset_delta + 1;
  c.last_offset_delta = last_offset_delta;
  c.first_timestamp = 1000;
  c.max_timestamp = 1000 + last_offset_delta;
  return c;
}

ChunkToCommit IdempotentChunk(const std::string& topic, int32_t partition,
                              int32_t last_offset_delta, int64_t producer_id, int16_t epoch,
                              int32_t base_sequence) {
  ChunkToCommit c = Chunk(topic, partition, last_offset_delta);
  c.producer_id = producer_id;
  c.producer_epoch = epoch;
  c.base_sequence = base_sequence;
  return c;
}

CommitRequest Object(const std::string& id, std::vector<ChunkToCommit> chunks) {
  CommitRequest r;
  r.object_id = id;
  r.object_key = "sluice/test/" + id;
  uint64_t offset = 0;
  for (auto& c : chunks) {
    c.byte_offset = offset;
    offset += c.byte_length;
  }
  r.object_size = offset;
  r.chunks = std::move(chunks);
  return r;
}

class MetadataStoreTest : public ::testing::TestWithParam<BackEnd> {
 protected:
  void SetUp() override {
    if (GetParam().postgres && testing::PostgresTestUrl().empty()) {
      GTEST_SKIP() << testing::kNoPostgres;
    }
    Open();
  }
  void TearDown() override {
    store_.reset();
    pool_.join();
    if (GetParam().postgres && !testing::PostgresTestUrl().empty()) {
      testing::DropSchema(testing::SchemaFor(dir_.path()));
    }
  }

  void Open() {
    store_.reset();
    auto opened = OpenMetadataStore(GetParam().url(dir_.path()), pool_.get_executor());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    if (GetParam().timed) {
      store_ = std::make_unique<TimedMetadataStore>(std::move(store_), metrics_);
    }
    Status st = Await(store_->Migrate());
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  void CreateTopic(const std::string& name, int32_t partitions, ConfigMap configs = {}) {
    auto created = Await(store_->CreateTopic(name, partitions, std::move(configs)));
    ASSERT_TRUE(created.ok()) << created.status().ToString();
  }

  CommitResult Commit(CommitRequest request) {
    auto result = Await(store_->CommitObject(std::move(request)));
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? *result : CommitResult{};
  }

  int64_t HighWatermark(const std::string& topic, int32_t partition) {
    auto parts = Await(store_->GetPartitions(topic));
    EXPECT_TRUE(parts.ok()) << parts.status().ToString();
    if (!parts.ok() || partition >= static_cast<int32_t>(parts->size())) return -1;
    return (*parts)[partition].high_watermark;
  }

  std::vector<IndexedChunk> Find(const std::string& topic, int32_t partition, int64_t from,
                                 uint64_t max_bytes = UINT64_MAX) {
    auto found = Await(store_->FindChunks(topic, partition, from, max_bytes));
    EXPECT_TRUE(found.ok()) << found.status().ToString();
    return found.ok() ? *found : std::vector<IndexedChunk>{};
  }

  // Asserts the partition's chunks tile [0, high watermark) with no gap or overlap.
  void ExpectGapFree(const std::string& topic, int32_t partition) {
    int64_t next = 0;
    for (const auto& c : Find(topic, partition, 0)) {
      EXPECT_EQ(c.base_offset, next) << topic << "-" << partition;
      next = c.base_offset + c.offset_count;
    }
    EXPECT_EQ(next, HighWatermark(topic, partition)) << topic << "-" << partition;
  }

  TempDir dir_;
  asio::thread_pool pool_{2};
  obs::MetricsRegistry metrics_;  // outlives store_ (a TimedMetadataStore records into it)
  std::unique_ptr<MetadataStore> store_;
};

TEST_P(MetadataStoreTest, OffsetsAreConsecutiveAcrossCommitsAndPartitions) {
  CreateTopic("t", 3);
  std::map<int32_t, int64_t> expected_next;
  for (int i = 0; i < 30; ++i) {
    int32_t p1 = i % 3;
    int32_t p2 = (i * 7 + 1) % 3;
    int32_t d1 = i % 5;
    int32_t d2 = (i * 3) % 4;
    CommitResult r =
        Commit(Object("obj-" + std::to_string(i), {Chunk("t", p1, d1), Chunk("t", p2, d2)}));
    ASSERT_EQ(r.chunks.size(), 2u);
    EXPECT_EQ(r.chunks[0].error_code, 0);
    EXPECT_EQ(r.chunks[0].base_offset, expected_next[p1]);
    expected_next[p1] += d1 + 1;
    // A second chunk of the same partition follows the first, in chunk order.
    EXPECT_EQ(r.chunks[1].base_offset, expected_next[p2]);
    expected_next[p2] += d2 + 1;
    EXPECT_GT(r.chunks[0].log_append_time_ms, 0);
    EXPECT_FALSE(r.chunks[0].duplicate);
  }
  for (int32_t p = 0; p < 3; ++p) {
    EXPECT_EQ(HighWatermark("t", p), expected_next[p]);
    ExpectGapFree("t", p);
  }
}

TEST_P(MetadataStoreTest, ChunksOfOnePartitionInOneObjectAreConsecutive) {
  CreateTopic("t", 1);
  CommitResult r = Commit(Object("o", {Chunk("t", 0, 2), Chunk("t", 0, 0), Chunk("t", 0, 9)}));
  ASSERT_EQ(r.chunks.size(), 3u);
  EXPECT_EQ(r.chunks[0].base_offset, 0);
  EXPECT_EQ(r.chunks[1].base_offset, 3);
  EXPECT_EQ(r.chunks[2].base_offset, 4);
  EXPECT_EQ(HighWatermark("t", 0), 14);
  auto chunks = Find("t", 0, 0);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[2].object_key, "sluice/test/o");
  EXPECT_EQ(chunks[2].byte_offset, 200u);
  EXPECT_EQ(chunks[2].offset_count, 10);
  EXPECT_EQ(chunks[2].record_count, 10);
}

TEST_P(MetadataStoreTest, SameObjectCommittedTwiceReturnsSameOutcomeAndIndexesOnce) {
  CreateTopic("t", 2);
  Commit(Object("first", {Chunk("t", 0, 4)}));
  CommitRequest request =
      Object("retry-me", {Chunk("t", 0, 1), Chunk("nope", 0, 0), Chunk("t", 1, 3)});
  CommitResult a = Commit(request);
  CommitResult b = Commit(request);
  ASSERT_EQ(a.chunks.size(), 3u);
  ASSERT_EQ(b.chunks.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(a.chunks[i].error_code, b.chunks[i].error_code) << i;
    EXPECT_EQ(a.chunks[i].base_offset, b.chunks[i].base_offset) << i;
    EXPECT_EQ(a.chunks[i].log_append_time_ms, b.chunks[i].log_append_time_ms) << i;
    EXPECT_EQ(a.chunks[i].log_start_offset, b.chunks[i].log_start_offset) << i;
    EXPECT_EQ(a.chunks[i].duplicate, b.chunks[i].duplicate) << i;
  }
  EXPECT_EQ(a.chunks[0].base_offset, 5);
  EXPECT_EQ(a.chunks[1].error_code, 3);
  EXPECT_EQ(HighWatermark("t", 0), 7);
  EXPECT_EQ(HighWatermark("t", 1), 4);
  EXPECT_EQ(Find("t", 0, 0).size(), 2u);
  EXPECT_EQ(Find("t", 1, 0).size(), 1u);
}

TEST_P(MetadataStoreTest, ChunkOutsideTheObjectIsRejectedWhole) {
  CreateTopic("t", 1);
  CommitRequest request = Object("o", {Chunk("t", 0, 0, 100), Chunk("t", 0, 0, 100)});
  request.object_size = 199;
  EXPECT_EQ(Await(store_->CommitObject(request)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(HighWatermark("t", 0), 0);
  request.object_size = 200;  // the same object id is still free to commit correctly
  CommitResult ok = Commit(request);
  ASSERT_EQ(ok.chunks.size(), 2u);
  EXPECT_EQ(ok.chunks[1].base_offset, 1);
  CommitRequest unnamed = Object("", {});
  EXPECT_EQ(Await(store_->CommitObject(unnamed)).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(MetadataStoreTest, DuplicateProducerBatchGetsOriginalOffset) {
  CreateTopic("t", 1);
  auto pid = Await(store_->AllocateProducerId(std::nullopt));
  ASSERT_TRUE(pid.ok());
  const int64_t id = pid->producer_id;
  Commit(Object("plain", {Chunk("t", 0, 2)}));  // offsets 0..2 from a non-idempotent producer
  CommitResult first = Commit(Object("a", {IdempotentChunk("t", 0, 4, id, 0, 0)}));
  CommitResult second = Commit(Object("b", {IdempotentChunk("t", 0, 4, id, 0, 5)}));
  EXPECT_EQ(first.chunks[0].base_offset, 3);
  EXPECT_EQ(second.chunks[0].base_offset, 8);
  // The client retries the first batch inside a new object.
  CommitResult retry = Commit(Object("c", {IdempotentChunk("t", 0, 4, id, 0, 0)}));
  ASSERT_EQ(retry.chunks.size(), 1u);
  EXPECT_EQ(retry.chunks[0].error_code, 0);
  EXPECT_TRUE(retry.chunks[0].duplicate);
  EXPECT_EQ(retry.chunks[0].base_offset, 3);
  EXPECT_EQ(HighWatermark("t", 0), 13);
  EXPECT_EQ(Find("t", 0, 0).size(), 3u);
  // And the sequence continues after the last real batch.
  CommitResult next = Commit(Object("d", {IdempotentChunk("t", 0, 0, id, 0, 10)}));
  EXPECT_EQ(next.chunks[0].error_code, 0);
  EXPECT_EQ(next.chunks[0].base_offset, 13);
}

TEST_P(MetadataStoreTest, OnlyTheLastFiveBatchesAreRemembered) {
  CreateTopic("t", 1);
  auto pid = Await(store_->AllocateProducerId(std::nullopt));
  ASSERT_TRUE(pid.ok());
  for (int i = 0; i < 6; ++i) {
    Commit(Object("o" + std::to_string(i), {IdempotentChunk("t", 0, 0, pid->producer_id, 0, i)}));
  }
  CommitResult recent =
      Commit(Object("dup1", {IdempotentChunk("t", 0, 0, pid->producer_id, 0, 1)}));
  EXPECT_TRUE(recent.chunks[0].duplicate);
  EXPECT_EQ(recent.chunks[0].base_offset, 1);
  CommitResult too_old =
      Commit(Object("dup0", {IdempotentChunk("t", 0, 0, pid->producer_id, 0, 0)}));
  EXPECT_FALSE(too_old.chunks[0].duplicate);
  EXPECT_EQ(too_old.chunks[0].error_code, 45);
}

TEST_P(MetadataStoreTest, OutOfOrderSequenceIsRejected) {
  CreateTopic("t", 2);
  auto pid = Await(store_->AllocateProducerId(std::nullopt));
  ASSERT_TRUE(pid.ok());
  Commit(Object("a", {IdempotentChunk("t", 0, 4, pid->producer_id, 0, 0)}));
  CommitResult gap =
      Commit(Object("b", {IdempotentChunk("t", 0, 0, pid->producer_id, 0, 7), Chunk("t", 1, 0)}));
  EXPECT_EQ(gap.chunks[0].error_code, 45);
  EXPECT_EQ(gap.chunks[0].base_offset, -1);
  EXPECT_EQ(gap.chunks[1].error_code, 0);  // the other chunk still commits
  EXPECT_EQ(HighWatermark("t", 0), 5);
  EXPECT_EQ(HighWatermark("t", 1), 1);
}

TEST_P(MetadataStoreTest, FencedEpochIsRejected) {
  CreateTopic("t", 2);
  auto first = Await(store_->AllocateProducerId(std::string("tx-1")));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->producer_epoch, 0);
  Commit(Object("a", {IdempotentChunk("t", 0, 0, first->producer_id, 0, 0)}));
  auto second = Await(store_->AllocateProducerId(std::string("tx-1")));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->producer_id, first->producer_id);
  EXPECT_EQ(second->producer_epoch, 1);
  CommitResult fresh = Commit(Object("b", {IdempotentChunk("t", 0, 0, second->producer_id, 1, 0)}));
  EXPECT_EQ(fresh.chunks[0].error_code, 0);
  EXPECT_EQ(fresh.chunks[0].base_offset, 1);
  CommitResult zombie = Commit(Object("c", {IdempotentChunk("t", 0, 0, first->producer_id, 0, 1),
                                            IdempotentChunk("t", 1, 0, first->producer_id, 0, 0)}));
  EXPECT_EQ(zombie.chunks[0].error_code, 47);
  EXPECT_EQ(zombie.chunks[1].error_code, 47);  // fenced on a partition it never wrote too
  // A new epoch must start at sequence 0.
  auto third = Await(store_->AllocateProducerId(std::string("tx-1")));
  ASSERT_TRUE(third.ok());
  CommitResult bad_start =
      Commit(Object("d", {IdempotentChunk("t", 0, 0, third->producer_id, 2, 5)}));
  EXPECT_EQ(bad_start.chunks[0].error_code, 45);
  EXPECT_EQ(HighWatermark("t", 0), 2);
  EXPECT_EQ(HighWatermark("t", 1), 0);
}

TEST_P(MetadataStoreTest, UnknownTopicOrPartitionFailsOnlyThatChunk) {
  CreateTopic("t", 2);
  CommitResult r = Commit(Object("o", {Chunk("t", 0, 1), Chunk("missing", 0, 0), Chunk("t", 2, 0),
                                       Chunk("t", -1, 0), Chunk("t", 1, 2)}));
  ASSERT_EQ(r.chunks.size(), 5u);
  EXPECT_EQ(r.chunks[0].error_code, 0);
  EXPECT_EQ(r.chunks[1].error_code, 3);
  EXPECT_EQ(r.chunks[2].error_code, 3);
  EXPECT_EQ(r.chunks[3].error_code, 3);
  EXPECT_EQ(r.chunks[4].error_code, 0);
  EXPECT_EQ(r.chunks[4].base_offset, 0);
  EXPECT_EQ(HighWatermark("t", 0), 2);
  EXPECT_EQ(HighWatermark("t", 1), 3);
}

TEST_P(MetadataStoreTest, ConcurrentCommitsGiveDisjointGapFreeOffsets) {
  CreateTopic("t", 2);
  constexpr int kCommitters = 8;
  constexpr int kCommitsEach = 12;
  asio::io_context io;
  std::vector<std::tuple<int32_t, int64_t, int32_t>> ranges;  // partition, base, count
  int failures = 0;
  for (int w = 0; w < kCommitters; ++w) {
    asio::co_spawn(
        io,
        [&, w]() -> Task<void> {
          for (int i = 0; i < kCommitsEach; ++i) {
            int32_t d = (w + i) % 4;
            auto request = Object("w" + std::to_string(w) + "-" + std::to_string(i),
                                  {Chunk("t", w % 2, d), Chunk("t", (w + i) % 2, 0)});
            auto r = co_await store_->CommitObject(std::move(request));
            if (!r.ok() || r->chunks.size() != 2) {
              ++failures;
              continue;
            }
            ranges.emplace_back(w % 2, r->chunks[0].base_offset, d + 1);
            ranges.emplace_back((w + i) % 2, r->chunks[1].base_offset, 1);
          }
        },
        asio::detached);
  }
  io.run();
  EXPECT_EQ(failures, 0);
  std::sort(ranges.begin(), ranges.end());
  std::map<int32_t, int64_t> next;
  for (const auto& [p, base, count] : ranges) {
    EXPECT_EQ(base, next[p]) << "partition " << p;
    next[p] = base + count;
  }
  for (int32_t p = 0; p < 2; ++p) {
    EXPECT_EQ(HighWatermark("t", p), next[p]);
    ExpectGapFree("t", p);
  }
}

TEST_P(MetadataStoreTest, FindChunksBoundaries) {
  CreateTopic("t", 2);
  Commit(Object("a", {Chunk("t", 0, 9, 100), Chunk("t", 0, 4, 50)}));  // [0,10) [10,15)
  Commit(Object("b", {Chunk("t", 0, 19, 300)}));                       // [15,35)
  auto middle = Find("t", 0, 12);
  ASSERT_EQ(middle.size(), 2u);
  EXPECT_EQ(middle[0].base_offset, 10);
  EXPECT_EQ(middle[0].object_key, "sluice/test/a");
  EXPECT_EQ(middle[0].byte_offset, 100u);
  EXPECT_EQ(middle[1].base_offset, 15);
  EXPECT_EQ(middle[1].object_key, "sluice/test/b");
  auto tiny = Find("t", 0, 0, 1);  // always at least one chunk
  ASSERT_EQ(tiny.size(), 1u);
  EXPECT_EQ(tiny[0].base_offset, 0);
  auto two = Find("t", 0, 0, 150);
  EXPECT_EQ(two.size(), 2u);
  EXPECT_EQ(Find("t", 0, 0, 449).size(), 2u);
  EXPECT_EQ(Find("t", 0, 0, 450).size(), 3u);
  auto last = Find("t", 0, 34);
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].base_offset, 15);
  EXPECT_TRUE(Find("t", 0, 35).empty());
  EXPECT_TRUE(Find("t", 1, 0).empty());
  EXPECT_EQ(Await(store_->FindChunks("t", 2, 0, 100)).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Await(store_->FindChunks("x", 0, 0, 100)).status().code(), StatusCode::kNotFound);
}

TEST_P(MetadataStoreTest, TimestampQueries) {
  CreateTopic("t", 2);
  auto with_ts = [](int32_t delta, int64_t first, int64_t max) {
    ChunkToCommit c = Chunk("t", 0, delta);
    c.first_timestamp = first;
    c.max_timestamp = max;
    return c;
  };
  Commit(Object("a", {with_ts(9, 100, 150), with_ts(4, 200, 300), with_ts(2, 250, 280),
                      with_ts(0, 50, 300)}));  // bases 0, 10, 15, 18
  auto at = [&](int64_t ts) { return Await(store_->OffsetForTimestamp("t", 0, ts)); };
  auto r0 = at(0);
  ASSERT_TRUE(r0.ok());
  EXPECT_EQ(*r0, std::make_pair(int64_t{0}, int64_t{150}));
  EXPECT_EQ(*at(150), std::make_pair(int64_t{0}, int64_t{150}));
  EXPECT_EQ(*at(151), std::make_pair(int64_t{10}, int64_t{300}));
  EXPECT_EQ(*at(290), std::make_pair(int64_t{10}, int64_t{300}));
  EXPECT_FALSE(at(301)->has_value());
  auto max = Await(store_->MaxTimestamp("t", 0));
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(*max, std::make_pair(int64_t{10}, int64_t{300}));  // first batch with the max
  auto empty = Await(store_->MaxTimestamp("t", 1));
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->has_value());
  EXPECT_FALSE(Await(store_->OffsetForTimestamp("t", 1, 0))->has_value());
  EXPECT_EQ(Await(store_->MaxTimestamp("nope", 0)).status().code(), StatusCode::kNotFound);
}

TEST_P(MetadataStoreTest, TopicsCrud) {
  auto created = Await(store_->CreateTopic("orders", 3, {{"retention.ms", "1000"}}));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->num_partitions, 3);
  EXPECT_EQ(created->id[6] >> 4, 4);  // UUID version 4
  EXPECT_NE(created->id, Uuid{});
  EXPECT_EQ(Await(store_->CreateTopic("orders", 1, {})).status().code(),
            StatusCode::kAlreadyExists);
  CreateTopic("alpha", 1);

  auto got = Await(store_->GetTopic("orders"));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->id, created->id);
  EXPECT_EQ(got->configs, (ConfigMap{{"retention.ms", "1000"}}));
  EXPECT_EQ(got->created_ms, created->created_ms);

  auto all = Await(store_->ListTopics());
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "alpha");
  EXPECT_EQ((*all)[1].name, "orders");
  EXPECT_EQ((*all)[1].configs.at("retention.ms"), "1000");

  ASSERT_TRUE(Await(store_->SetTopicConfigs("orders", {{"cleanup.policy", "compact"}})).ok());
  EXPECT_EQ(Await(store_->GetTopic("orders"))->configs, (ConfigMap{{"cleanup.policy", "compact"}}));

  EXPECT_EQ(Await(store_->CreatePartitions("orders", 3)).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(Await(store_->CreatePartitions("orders", 5)).ok());
  auto parts = Await(store_->GetPartitions("orders"));
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 5u);
  EXPECT_EQ((*parts)[4].partition, 4);
  EXPECT_EQ((*parts)[4].high_watermark, 0);
  EXPECT_EQ(Await(store_->GetTopic("orders"))->num_partitions, 5);
  CommitResult r = Commit(Object("o", {Chunk("orders", 4, 0)}));
  EXPECT_EQ(r.chunks[0].error_code, 0);

  ASSERT_TRUE(Await(store_->DeleteTopic("orders")).ok());
  EXPECT_EQ(Await(store_->GetTopic("orders")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Await(store_->DeleteTopic("orders")).code(), StatusCode::kNotFound);
  EXPECT_EQ(Await(store_->GetPartitions("orders")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Await(store_->ListTopics())->size(), 1u);

  auto again = Await(store_->CreateTopic("orders", 1, {}));
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->id, created->id);
  EXPECT_TRUE(again->configs.empty());
  EXPECT_EQ(HighWatermark("orders", 0), 0);
  EXPECT_TRUE(Find("orders", 0, 0).empty());
}

TEST_P(MetadataStoreTest, RejectsBadTopicArguments) {
  for (const std::string& name : {std::string(""), std::string("."), std::string(".."),
                                  std::string("a b"), std::string("a/b"), std::string(250, 'x')}) {
    EXPECT_EQ(Await(store_->CreateTopic(name, 1, {})).status().code(), StatusCode::kInvalidArgument)
        << name;
  }
  EXPECT_EQ(Await(store_->CreateTopic("t", 0, {})).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Await(store_->CreateTopic("t", -3, {})).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Await(store_->CreatePartitions("missing", 3)).code(), StatusCode::kNotFound);
  EXPECT_EQ(Await(store_->SetTopicConfigs("missing", {})).code(), StatusCode::kNotFound);
  EXPECT_TRUE(Await(store_->ListTopics())->empty());
}

TEST_P(MetadataStoreTest, ProducerIdsAreMonotonicAndTransactionalIdsBumpEpochs) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    auto a = Await(store_->AllocateProducerId(std::nullopt));
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->producer_epoch, 0);
    ids.push_back(a->producer_id);
  }
  for (size_t i = 1; i < ids.size(); ++i) EXPECT_GT(ids[i], ids[i - 1]);
  auto t1 = Await(store_->AllocateProducerId(std::string("tx")));
  auto t2 = Await(store_->AllocateProducerId(std::string("tx")));
  auto other = Await(store_->AllocateProducerId(std::string("other")));
  ASSERT_TRUE(t1.ok() && t2.ok() && other.ok());
  EXPECT_GT(t1->producer_id, ids.back());
  EXPECT_EQ(t2->producer_id, t1->producer_id);
  EXPECT_EQ(t2->producer_epoch, t1->producer_epoch + 1);
  EXPECT_NE(other->producer_id, t1->producer_id);
  EXPECT_EQ(other->producer_epoch, 0);
}

TEST_P(MetadataStoreTest, CommittedOffsetsCrud) {
  ASSERT_TRUE(Await(store_->CommitOffsets(
                        "g1", {{"t", 0, {10, 3, "meta", 111}}, {"t", 1, {20, -1, "", 112}}}))
                  .ok());
  ASSERT_TRUE(Await(store_->CommitOffsets("g2", {{"u", 0, {5, -1, "x", 1}}})).ok());
  ASSERT_TRUE(Await(store_->CommitOffsets("g1", {{"t", 0, {15, 4, "newer", 222}}})).ok());
  auto g1 = Await(store_->FetchOffsets("g1"));
  ASSERT_TRUE(g1.ok());
  ASSERT_EQ(g1->size(), 2u);
  const CommittedOffset& t0 = g1->at({"t", 0});
  EXPECT_EQ(t0.offset, 15);
  EXPECT_EQ(t0.leader_epoch, 4);
  EXPECT_EQ(t0.metadata, "newer");
  EXPECT_EQ(t0.commit_time_ms, 222);
  EXPECT_EQ(g1->at({"t", 1}).offset, 20);
  EXPECT_EQ(*Await(store_->ListGroupsWithOffsets()), (std::vector<std::string>{"g1", "g2"}));
  ASSERT_TRUE(Await(store_->DeleteOffsets("g1", {{"t", 0}, {"t", 9}})).ok());
  EXPECT_EQ(Await(store_->FetchOffsets("g1"))->size(), 1u);
  ASSERT_TRUE(Await(store_->DeleteOffsets("g2", {{"u", 0}})).ok());
  EXPECT_EQ(*Await(store_->ListGroupsWithOffsets()), (std::vector<std::string>{"g1"}));
  EXPECT_TRUE(Await(store_->FetchOffsets("nobody"))->empty());
}

TEST_P(MetadataStoreTest, MigrateTwiceIsHarmlessAndClusterIdIsStable) {
  auto id1 = Await(store_->ClusterId());
  ASSERT_TRUE(id1.ok());
  EXPECT_EQ(id1->size(), 22u);
  CreateTopic("t", 1);
  Commit(Object("o", {Chunk("t", 0, 3)}));
  ASSERT_TRUE(Await(store_->Migrate()).ok());
  ASSERT_TRUE(Await(store_->Migrate()).ok());
  EXPECT_EQ(*Await(store_->ClusterId()), *id1);
  EXPECT_EQ(HighWatermark("t", 0), 4);
}

TEST_P(MetadataStoreTest, StateSurvivesReopen) {
  if (!GetParam().persistent) GTEST_SKIP() << "in-memory back end";
  CreateTopic("t", 2, {{"retention.ms", "5"}});
  auto pid = Await(store_->AllocateProducerId(std::nullopt));
  ASSERT_TRUE(pid.ok());
  Commit(Object("a", {IdempotentChunk("t", 1, 2, pid->producer_id, 0, 0)}));
  ASSERT_TRUE(Await(store_->CommitOffsets("g", {{"t", 1, {3, -1, "m", 9}}})).ok());
  const std::string cluster = *Await(store_->ClusterId());
  Open();
  EXPECT_EQ(*Await(store_->ClusterId()), cluster);
  EXPECT_EQ(Await(store_->GetTopic("t"))->configs.at("retention.ms"), "5");
  EXPECT_EQ(HighWatermark("t", 1), 3);
  EXPECT_EQ(Find("t", 1, 0).size(), 1u);
  EXPECT_EQ(Await(store_->FetchOffsets("g"))->at({"t", 1}).metadata, "m");
  // Producer state survived too: the retried batch is still recognised.
  CommitResult dup = Commit(Object("b", {IdempotentChunk("t", 1, 2, pid->producer_id, 0, 0)}));
  EXPECT_TRUE(dup.chunks[0].duplicate);
  EXPECT_EQ(dup.chunks[0].base_offset, 0);
  auto next = Await(store_->AllocateProducerId(std::nullopt));
  EXPECT_GT(next->producer_id, pid->producer_id);
}

// --- Membership and group leases ------------------------------------------------------------

AgentRegistration Agent(const std::string& instance, int32_t kafka_port) {
  AgentRegistration a;
  a.instance_id = instance;
  a.host = instance + ".example";
  a.kafka_port = kafka_port;
  a.http_port = kafka_port + 1;
  a.roles = "proxy,jobs";
  a.availability_zone = "az-" + instance;
  a.agent_group = "grp";
  return a;
}

constexpr int64_t kT0 = 1'700'000'000'000;  // a wall-clock time in ms
constexpr int64_t kLongLease = 3'600'000;   // an hour: alive for the whole test

std::vector<int32_t> NodeIds(const std::vector<AgentRecord>& agents) {
  std::vector<int32_t> ids;
  for (const auto& a : agents) ids.push_back(a.node_id);
  return ids;
}

TEST_P(MetadataStoreTest, AgentsGetDistinctNodeIdsFromOneAndRestartsGetNewOnes) {
  auto a = Await(store_->RegisterAgent(Agent("a", 9092), kT0, 10'000));
  auto b = Await(store_->RegisterAgent(Agent("b", 9192), kT0 + 5, 10'000));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(a->node_id, 1);
  EXPECT_EQ(b->node_id, 2);
  EXPECT_EQ(a->registered_ms, kT0);
  EXPECT_EQ(a->lease_expires_ms, kT0 + 10'000);

  auto live = Await(store_->ListLiveAgents(kT0 + 100));
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  ASSERT_EQ(NodeIds(*live), (std::vector<int32_t>{1, 2}));
  const AgentRecord& got = (*live)[1];
  EXPECT_EQ(got.agent.instance_id, "b");
  EXPECT_EQ(got.agent.host, "b.example");
  EXPECT_EQ(got.agent.kafka_port, 9192);
  EXPECT_EQ(got.agent.http_port, 9193);
  EXPECT_EQ(got.agent.roles, "proxy,jobs");
  EXPECT_EQ(got.agent.availability_zone, "az-b");
  EXPECT_EQ(got.agent.agent_group, "grp");
  EXPECT_EQ(got.registered_ms, kT0 + 5);
  EXPECT_EQ(got.lease_expires_ms, kT0 + 10'005);

  // "a" restarts: it deregisters, registers again and gets an id never given before.
  ASSERT_TRUE(Await(store_->DeregisterAgent(a->node_id)).ok());
  ASSERT_TRUE(Await(store_->DeregisterAgent(a->node_id)).ok());  // missing is not an error
  auto again = Await(store_->RegisterAgent(Agent("a", 9092), kT0 + 200, 10'000));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->node_id, 3);
  EXPECT_EQ(NodeIds(*Await(store_->ListLiveAgents(kT0 + 300))), (std::vector<int32_t>{2, 3}));
  // A jobs-only agent has no Kafka listener.
  auto jobs = Await(store_->RegisterAgent(Agent("j", 0), kT0 + 300, 10'000));
  ASSERT_TRUE(jobs.ok());
  EXPECT_EQ(jobs->node_id, 4);
  EXPECT_EQ(jobs->agent.kafka_port, 0);
}

TEST_P(MetadataStoreTest, ExpiredAgentIsHiddenAndReapedAgentMustRegisterAgain) {
  auto a = Await(store_->RegisterAgent(Agent("a", 9092), kT0, 1'000));
  auto b = Await(store_->RegisterAgent(Agent("b", 9192), kT0, 5'000));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(NodeIds(*Await(store_->ListLiveAgents(kT0 + 999))),
            (std::vector<int32_t>{a->node_id, b->node_id}));
  // Live means lease_expires_ms > now: at the expiry instant the agent is gone from the list.
  EXPECT_EQ(NodeIds(*Await(store_->ListLiveAgents(kT0 + 1'000))),
            (std::vector<int32_t>{b->node_id}));
  // Expired but not reaped: a late renewal still finds the record and makes it live again.
  ASSERT_TRUE(Await(store_->RenewAgentLease(a->node_id, kT0 + 2'000, 1'000)).ok());
  EXPECT_EQ(NodeIds(*Await(store_->ListLiveAgents(kT0 + 2'500))),
            (std::vector<int32_t>{a->node_id, b->node_id}));
  EXPECT_EQ(NodeIds(*Await(store_->ListLiveAgents(kT0 + 3'000))),
            (std::vector<int32_t>{b->node_id}));

  // Renewing b keeps it alive past its first lease.
  ASSERT_TRUE(Await(store_->RenewAgentLease(b->node_id, kT0 + 4'000, 60'000)).ok());
  // Ten minutes on, a (dead since kT0 + 3000) is reaped; b is still there.
  const int64_t later = kT0 + 10 * 60'000;
  ASSERT_TRUE(Await(store_->RenewAgentLease(b->node_id, later - 1, 60'000)).ok());
  EXPECT_EQ(NodeIds(*Await(store_->ListLiveAgents(later))), (std::vector<int32_t>{b->node_id}));
  Status reaped = Await(store_->RenewAgentLease(a->node_id, later, 1'000));
  EXPECT_EQ(reaped.code(), StatusCode::kNotFound) << reaped.ToString();
  // A deregistered agent cannot renew either.
  ASSERT_TRUE(Await(store_->DeregisterAgent(b->node_id)).ok());
  Status gone = Await(store_->RenewAgentLease(b->node_id, later, 1'000));
  EXPECT_EQ(gone.code(), StatusCode::kNotFound) << gone.ToString();
  EXPECT_TRUE(Await(store_->ListLiveAgents(later))->empty());
  // Ids of reaped and deregistered agents are never given again.
  auto next = Await(store_->RegisterAgent(Agent("a", 9092), later, 1'000));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->node_id, 3);
}

TEST_P(MetadataStoreTest, FirstGroupLeaseAcquirerWinsUntilItsLeaseRunsOut) {
  auto a = Await(store_->RegisterAgent(Agent("a", 9092), kT0, kLongLease));
  auto b = Await(store_->RegisterAgent(Agent("b", 9192), kT0, kLongLease));
  ASSERT_TRUE(a.ok() && b.ok());
  const int32_t na = a->node_id, nb = b->node_id;
  auto acquire = [&](int32_t node, int64_t at) {
    auto owner = Await(store_->AcquireGroupLease("g", node, at, 1'000));
    EXPECT_TRUE(owner.ok()) << owner.status().ToString();
    return owner.ok() ? *owner : -1;
  };
  EXPECT_EQ(acquire(na, kT0), na);
  EXPECT_EQ(acquire(nb, kT0 + 10), na);   // the second is told who owns it
  EXPECT_EQ(acquire(na, kT0 + 500), na);  // the owner extends: now until kT0 + 1500
  EXPECT_EQ(acquire(nb, kT0 + 1'200), na);
  EXPECT_EQ(acquire(nb, kT0 + 1'500), nb);  // a's lease ran out
  EXPECT_EQ(acquire(na, kT0 + 1'600), nb);
  // Another group is independent.
  auto other = Await(store_->AcquireGroupLease("h", na, kT0 + 1'600, 1'000));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(*other, na);
}

TEST_P(MetadataStoreTest, GroupIsTakenOverWhenItsOwnerDeregistersOrItsAgentLeaseDies) {
  auto a = Await(store_->RegisterAgent(Agent("a", 9092), kT0, kLongLease));
  auto b = Await(store_->RegisterAgent(Agent("b", 9192), kT0, kLongLease));
  auto c = Await(store_->RegisterAgent(Agent("c", 9292), kT0, 100));  // dies at kT0 + 100
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  const int64_t kGroupLease = 60'000;
  ASSERT_EQ(*Await(store_->AcquireGroupLease("g1", a->node_id, kT0, kGroupLease)), a->node_id);
  ASSERT_EQ(*Await(store_->AcquireGroupLease("g2", c->node_id, kT0, kGroupLease)), c->node_id);
  EXPECT_EQ(*Await(store_->AcquireGroupLease("g1", b->node_id, kT0 + 10, kGroupLease)), a->node_id);
  EXPECT_EQ(*Await(store_->AcquireGroupLease("g2", b->node_id, kT0 + 50, kGroupLease)), c->node_id);

  // a leaves cleanly: its group is free at once, though its group lease had long to run.
  ASSERT_TRUE(Await(store_->DeregisterAgent(a->node_id)).ok());
  EXPECT_EQ(*Await(store_->AcquireGroupLease("g1", b->node_id, kT0 + 20, kGroupLease)), b->node_id);
  // c's agent lease ran out: its group goes to a live agent, group lease or not.
  EXPECT_EQ(*Await(store_->AcquireGroupLease("g2", b->node_id, kT0 + 100, kGroupLease)),
            b->node_id);
  // c, not live, cannot take a group back, nor take a free one.
  auto dead = Await(store_->AcquireGroupLease("g3", c->node_id, kT0 + 200, kGroupLease));
  EXPECT_EQ(dead.status().code(), StatusCode::kNotFound) << dead.status().ToString();
  auto unknown = Await(store_->AcquireGroupLease("g3", 999, kT0 + 200, kGroupLease));
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  auto renewed = Await(store_->RenewGroupLeases(c->node_id, kT0 + 200, kGroupLease));
  ASSERT_TRUE(renewed.ok());
  EXPECT_TRUE(renewed->empty());
}

TEST_P(MetadataStoreTest, RenewGroupLeasesReturnsOnlyGroupsStillHeld) {
  auto a = Await(store_->RegisterAgent(Agent("a", 9092), kT0, kLongLease));
  auto b = Await(store_->RegisterAgent(Agent("b", 9192), kT0, kLongLease));
  ASSERT_TRUE(a.ok() && b.ok());
  const int32_t na = a->node_id, nb = b->node_id;
  for (const char* g : {"g1", "g2", "g3"}) {
    ASSERT_EQ(*Await(store_->AcquireGroupLease(g, na, kT0, 1'000)), na);
  }
  ASSERT_EQ(*Await(store_->AcquireGroupLease("other", nb, kT0, 1'000)), nb);
  // g2's lease runs out and b takes it before a renews.
  ASSERT_EQ(*Await(store_->AcquireGroupLease("g2", nb, kT0 + 1'000, 1'000)), nb);
  auto held = Await(store_->RenewGroupLeases(na, kT0 + 1'001, 1'000));
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  EXPECT_EQ(*held, (std::vector<std::string>{"g1", "g3"}));
  // The renewal extended g1 and g3 to kT0 + 2001; g2 still is b's.
  EXPECT_EQ(*Await(store_->AcquireGroupLease("g1", nb, kT0 + 2'000, 1'000)), na);
  EXPECT_EQ(*Await(store_->AcquireGroupLease("g2", na, kT0 + 1'500, 1'000)), nb);
  EXPECT_EQ(*Await(store_->RenewGroupLeases(nb, kT0 + 1'500, 1'000)),
            (std::vector<std::string>{"g2", "other"}));
  EXPECT_EQ(*Await(store_->AcquireGroupLease("g1", nb, kT0 + 2'001, 1'000)), nb);
}

TEST_P(MetadataStoreTest, ReleasedGroupsAreFreeAtOnce) {
  auto a = Await(store_->RegisterAgent(Agent("a", 9092), kT0, kLongLease));
  auto b = Await(store_->RegisterAgent(Agent("b", 9192), kT0, kLongLease));
  ASSERT_TRUE(a.ok() && b.ok());
  const int32_t na = a->node_id, nb = b->node_id;
  const int64_t kGroupLease = 60'000;
  for (const char* g : {"g1", "g2", "g3"}) {
    ASSERT_EQ(*Await(store_->AcquireGroupLease(g, na, kT0, kGroupLease)), na);
  }
  ASSERT_TRUE(Await(store_->ReleaseGroupLeases(na, "g1")).ok());
  EXPECT_EQ(*Await(store_->AcquireGroupLease("g1", nb, kT0 + 1, kGroupLease)), nb);
  // Only the owner can release: b releasing g2 changes nothing, a releasing g1 neither.
  ASSERT_TRUE(Await(store_->ReleaseGroupLeases(nb, "g2")).ok());
  ASSERT_TRUE(Await(store_->ReleaseGroupLeases(na, "g1")).ok());
  EXPECT_EQ(*Await(store_->AcquireGroupLease("g2", nb, kT0 + 2, kGroupLease)), na);
  EXPECT_EQ(*Await(store_->AcquireGroupLease("g1", na, kT0 + 2, kGroupLease)), nb);
  // An empty name releases all of a's groups.
  ASSERT_TRUE(Await(store_->ReleaseGroupLeases(na, "")).ok());
  EXPECT_TRUE(Await(store_->RenewGroupLeases(na, kT0 + 3, kGroupLease))->empty());
  EXPECT_EQ(*Await(store_->AcquireGroupLease("g2", nb, kT0 + 3, kGroupLease)), nb);
  EXPECT_EQ(*Await(store_->AcquireGroupLease("g3", nb, kT0 + 3, kGroupLease)), nb);
  EXPECT_EQ(*Await(store_->RenewGroupLeases(nb, kT0 + 4, kGroupLease)),
            (std::vector<std::string>{"g1", "g2", "g3"}));
}

TEST_P(MetadataStoreTest, RejectsBadMembershipArguments) {
  auto a = Await(store_->RegisterAgent(Agent("a", 9092), kT0, kLongLease));
  ASSERT_TRUE(a.ok());
  auto code = [](const auto& result) {
    if constexpr (std::is_same_v<std::decay_t<decltype(result)>, Status>) {
      return result.code();
    } else {
      return result.status().code();
    }
  };
  const auto kInvalid = StatusCode::kInvalidArgument;
  EXPECT_EQ(code(Await(store_->RegisterAgent(Agent("x", 70000), kT0, 1'000))), kInvalid);
  EXPECT_EQ(code(Await(store_->RegisterAgent(Agent("x", -1), kT0, 1'000))), kInvalid);
  AgentRegistration no_host = Agent("x", 9092);
  no_host.host.clear();
  EXPECT_EQ(code(Await(store_->RegisterAgent(no_host, kT0, 1'000))), kInvalid);
  EXPECT_EQ(code(Await(store_->RegisterAgent(Agent("x", 9092), kT0, 0))), kInvalid);
  EXPECT_EQ(code(Await(store_->RegisterAgent(Agent("x", 9092), -5, 1'000))), kInvalid);
  EXPECT_EQ(code(Await(store_->RenewAgentLease(0, kT0, 1'000))), kInvalid);
  EXPECT_EQ(code(Await(store_->RenewAgentLease(a->node_id, kT0, -1))), kInvalid);
  EXPECT_EQ(code(Await(store_->AcquireGroupLease("", a->node_id, kT0, 1'000))), kInvalid);
  EXPECT_EQ(code(Await(store_->AcquireGroupLease("g", -3, kT0, 1'000))), kInvalid);
  EXPECT_EQ(code(Await(store_->AcquireGroupLease("g", a->node_id, kT0, 0))), kInvalid);
  EXPECT_EQ(code(Await(store_->RenewGroupLeases(a->node_id, kT0, 0))), kInvalid);
  EXPECT_EQ(code(Await(store_->ListLiveAgents(-1))), kInvalid);
  // Nothing was registered by the failed calls: the next id follows a's.
  auto b = Await(store_->RegisterAgent(Agent("b", 9192), kT0, 1'000));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->node_id, a->node_id + 1);
}

TEST_P(MetadataStoreTest, NodeIdsAndGroupLeasesSurviveReopen) {
  if (!GetParam().persistent) GTEST_SKIP() << "in-memory back end";
  auto a = Await(store_->RegisterAgent(Agent("a", 9092), kT0, kLongLease));
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(*Await(store_->AcquireGroupLease("g", a->node_id, kT0, kLongLease)), a->node_id);
  ASSERT_TRUE(Await(store_->DeregisterAgent(a->node_id)).ok());
  auto b = Await(store_->RegisterAgent(Agent("b", 9192), kT0, kLongLease));
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(*Await(store_->AcquireGroupLease("g", b->node_id, kT0, kLongLease)), b->node_id);
  Open();
  EXPECT_EQ(NodeIds(*Await(store_->ListLiveAgents(kT0 + 1))), (std::vector<int32_t>{b->node_id}));
  auto c = Await(store_->RegisterAgent(Agent("c", 9292), kT0 + 1, kLongLease));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->node_id, b->node_id + 1);
  EXPECT_EQ(*Await(store_->AcquireGroupLease("g", c->node_id, kT0 + 1, kLongLease)), b->node_id);
}

INSTANTIATE_TEST_SUITE_P(
    BackEnds, MetadataStoreTest,
    ::testing::Values(
        BackEnd{"sqlite_memory",
                [](const std::filesystem::path&) { return std::string("sqlite::memory:"); }, false},
        BackEnd{"sqlite_file",
                [](const std::filesystem::path& dir) {
                  return "sqlite://" + (dir / "meta.db").string();
                },
                true},
        BackEnd{"timed_sqlite_file",
                [](const std::filesystem::path& dir) {
                  return "sqlite://" + (dir / "meta.db").string();
                },
                true, false, true},
        BackEnd{"postgres",
                [](const std::filesystem::path& dir) {
                  return testing::PostgresUrlForSchema(testing::SchemaFor(dir));
                },
                true, true}),
    [](const ::testing::TestParamInfo<BackEnd>& info) { return info.param.name; });

}  // namespace
}  // namespace sluice::metadata
