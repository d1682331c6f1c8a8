// A store (SQLite in memory, or PostgreSQL when SLUICE_TEST_POSTGRES_URL is set and the test asks
// for it) and a mem:// bucket, plus helpers that produce real record batches as L0 objects and
// read partitions back the way the fetch path does (index -> byte ranges -> baseOffset stamped).
#pragma once

#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <optional>

#include "../metadata/await.h"
#include "../metadata/postgres_test_db.h"
#include "../metadata/temp_dir.h"
#include "common/ulid.h"
#include "metadata/metadata_store.h"
#include "record/batch_builder.h"
#include "storage/object_store.h"
#include "storage/segment_format.h"

namespace sluice::jobs::testing {

using metadata::testing::Await;

inline constexpr char kPrefix[] = "sluice/test/segments/";

// One batch to produce: `records` records stamped `timestamp`, value "<topic>-<p>-<seq>".
struct BatchSpec {
  std::string topic;
  int32_t partition = 0;
  int32_t records = 1;
  int64_t timestamp = 1000;
};

class JobsFixture {
 public:
  explicit JobsFixture(bool postgres = false) {
    std::string url = "sqlite::memory:";
    if (postgres) url = metadata::testing::PostgresUrlForSchema(schema());
    auto store = metadata::OpenMetadataStore(url, pool_.get_executor());
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    Status migrated = Await(store_->Migrate());
    EXPECT_TRUE(migrated.ok()) << migrated.ToString();
    auto objects = storage::OpenObjectStore("mem://jobs-test", pool_.get_executor());
    EXPECT_TRUE(objects.ok()) << objects.status().ToString();
    objects_ = std::move(objects).value();
    postgres_ = postgres;
  }
  ~JobsFixture() {
    store_.reset();
    pool_.join();
    if (postgres_) metadata::testing::DropSchema(schema());
  }

  std::string schema() const { return metadata::testing::SchemaFor(dir_.path()); }
  metadata::MetadataStore& store() { return *store_; }
  storage::ObjectStore& objects() { return *objects_; }

  void CreateTopic(const std::string& name, int32_t partitions, metadata::ConfigMap configs = {}) {
    auto created = Await(store_->CreateTopic(name, partitions, std::move(configs)));
    ASSERT_TRUE(created.ok()) << created.status().ToString();
  }

  // Writes one L0 object holding `batches` (in this order) and commits it. Returns its id.
  std::string ProduceObject(const std::vector<BatchSpec>& batches) {
    std::string id = ids_.Next(1000 + static_cast<int64_t>(sequence_));
    SegmentWriter writer;
    for (const auto& b : batches) {
      std::vector<RecordToBuild> records;
      for (int32_t r = 0; r < b.records; ++r) {
        std::string value =
            b.topic + "-" + std::to_string(b.partition) + "-" + std::to_string(sequence_++);
        records.push_back({std::nullopt, Bytes(value.begin(), value.end()), {}, b.timestamp});
      }
      Bytes batch = BuildBatch({}, records);
      auto parsed = ParseBatch(batch);
      EXPECT_TRUE(parsed.ok());
      writer.AddChunk(ChunkMetaForBatch(b.topic, b.partition, parsed->header), batch);
    }
    metadata::CommitRequest request;
    request.object_id = id;
    request.object_key = kPrefix + id;
    for (const auto& c : writer.chunks()) {
      metadata::ChunkToCommit chunk;
      chunk.topic = c.topic;
      chunk.partition = c.partition;
      chunk.byte_offset = c.byte_offset;
      chunk.byte_length = c.byte_length;
      chunk.record_count = c.record_count;
      chunk.last_offset_delta = c.last_offset_delta;
      chunk.first_timestamp = c.first_timestamp;
      chunk.max_timestamp = c.max_timestamp;
      request.chunks.push_back(chunk);
    }
    Bytes object = writer.Finish(id, 0);
    request.object_size = object.size();
    EXPECT_TRUE(Await(objects_->Put(request.object_key, std::move(object))).ok());
    auto committed = Await(store_->CommitObject(std::move(request)));
    EXPECT_TRUE(committed.ok()) << committed.status().ToString();
    return id;
  }

  // Every batch of the partition from `from`: offset -> batch bytes with baseOffset stamped.
  std::map<int64_t, Bytes> ReadAll(const std::string& topic, int32_t partition, int64_t from = 0) {
    std::map<int64_t, Bytes> out;
    while (true) {
      auto chunks = Await(store_->FindChunks(topic, partition, from, UINT64_MAX));
      EXPECT_TRUE(chunks.ok()) << chunks.status().ToString();
      if (!chunks.ok() || chunks->empty()) break;
      for (const auto& c : *chunks) out[c.base_offset] = ReadChunk(c);
      from = chunks->back().base_offset + chunks->back().offset_count;
    }
    return out;
  }

  Bytes ReadChunk(const metadata::IndexedChunk& c) {
    auto bytes = Await(objects_->Get(c.object_key, c.byte_offset, c.byte_length));
    EXPECT_TRUE(bytes.ok()) << c.object_key << ": " << bytes.status().ToString();
    if (!bytes.ok()) return {};
    Bytes batch = std::move(bytes).value();
    StampBaseOffset(MutableByteSpan(batch.data(), batch.size()), c.base_offset);
    return batch;
  }

  std::vector<metadata::ObjectRecord> LiveObjects() {
    auto live = Await(store_->ListLiveObjects(100000));
    EXPECT_TRUE(live.ok()) << live.status().ToString();
    return live.ok() ? *live : std::vector<metadata::ObjectRecord>{};
  }

  // Keys in the bucket.
  std::vector<std::string> BucketKeys() {
    auto page = Await(objects_->List("", "", 100000));
    EXPECT_TRUE(page.ok());
    std::vector<std::string> keys;
    if (page.ok()) {
      for (const auto& o : page->objects) keys.push_back(o.key);
    }
    return keys;
  }

  metadata::PartitionInfo Partition(const std::string& topic, int32_t partition) {
    auto parts = Await(store_->GetPartitions(topic));
    EXPECT_TRUE(parts.ok());
    return parts.ok() ? (*parts)[partition] : metadata::PartitionInfo{};
  }

 private:
  metadata::testing::TempDir dir_;
  asio::thread_pool pool_{2};
  std::unique_ptr<metadata::MetadataStore> store_;
  std::unique_ptr<storage::ObjectStore> objects_;
  UlidGenerator ids_;
  uint64_t sequence_ = 0;
  bool postgres_ = false;
};

}  // namespace sluice::jobs::testing
