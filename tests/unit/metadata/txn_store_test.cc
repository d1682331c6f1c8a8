// The transaction calls of MetadataStore (docs/design-transactions.md §5), on SQLite. To become a
// suite parameterised over both back ends like metadata_store_test.cc.
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "await.h"
#include "metadata/metadata_store.h"
#include "metadata/txn_rules.h"
#include "postgres_test_db.h"

namespace sluice::metadata {
namespace {

using testing::Await;

class TxnStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenMetadataStore("sqlite::memory:", pool_.get_executor());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    ASSERT_TRUE(Await(store_->Migrate()).ok());
    ASSERT_TRUE(Await(store_->CreateTopic("t", 2, {})).ok());
  }

  InitTxnProducerResult Init(const std::string& id, int64_t pid = -1, int16_t epoch = -1) {
    auto r = Await(store_->InitTransactionalProducer({id, 60000, pid, epoch}, 1000));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return *r;
  }

  asio::thread_pool pool_{1};
  std::unique_ptr<MetadataStore> store_;
};

TEST_F(TxnStoreTest, InitCreatesThenBumpsEpochAndChecksKip360) {
  InitTxnProducerResult first = Init("a");
  EXPECT_EQ(first.error_code, 0);
  EXPECT_GE(first.producer_id, 0);
  EXPECT_EQ(first.producer_epoch, 0);
  InitTxnProducerResult second = Init("a");
  EXPECT_EQ(second.producer_id, first.producer_id);
  EXPECT_EQ(second.producer_epoch, 1);
  EXPECT_EQ(Init("a", first.producer_id, 0).error_code, txn::kProducerFenced);
  InitTxnProducerResult third = Init("a", first.producer_id, 1);
  EXPECT_EQ(third.error_code, 0);
  EXPECT_EQ(third.producer_epoch, 2);
  EXPECT_NE(Init("b").producer_id, first.producer_id);
}

TEST_F(TxnStoreTest, AddPartitionsIsAllOrNothingAndIdempotent) {
  InitTxnProducerResult p = Init("a");
  TxnProducer producer{"a", p.producer_id, p.producer_epoch};
  auto bad = Await(store_->AddPartitionsToTxn(producer, {{"t", 0}, {"t", 7}, {"nope", 0}}, 2000));
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(*bad, (std::vector<int16_t>{txn::kOperationNotAttempted, txn::kUnknownTopicOrPartition,
                                        txn::kUnknownTopicOrPartition}));
  // Nothing was added, so nothing is open: EndTxn finds the id Empty.
  auto end = Await(store_->EndTransaction(producer, true, 2000));
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->error_code, txn::kInvalidTxnState);
  for (int i = 0; i < 2; ++i) {
    auto ok = Await(store_->AddPartitionsToTxn(producer, {{"t", 0}, {"t", 1}}, 2000));
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(*ok, (std::vector<int16_t>{0, 0}));
  }
  auto stale = Await(store_->AddPartitionsToTxn({"a", p.producer_id, 5}, {{"t", 0}}, 2000));
  ASSERT_TRUE(stale.ok());
  EXPECT_EQ(*stale, (std::vector<int16_t>{txn::kProducerFenced}));
}

TEST_F(TxnStoreTest, EndTxnRetryAndWrongResultAndNoMarkersWithoutData) {
  InitTxnProducerResult p = Init("a");
  TxnProducer producer{"a", p.producer_id, p.producer_epoch};
  ASSERT_TRUE(Await(store_->AddPartitionsToTxn(producer, {{"t", 0}}, 2000)).ok());
  auto end = Await(store_->EndTransaction(producer, true, 3000));
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->error_code, 0);
  EXPECT_TRUE(end->markers.empty());  // the partition was added but never written
  auto retry = Await(store_->EndTransaction(producer, true, 3000));
  EXPECT_EQ(retry->error_code, 0);
  auto wrong = Await(store_->EndTransaction(producer, false, 3000));
  EXPECT_EQ(wrong->error_code, txn::kInvalidTxnState);
  auto parts = Await(store_->GetPartitions("t"));
  EXPECT_EQ((*parts)[0].high_watermark, 0);
  EXPECT_EQ((*parts)[0].last_stable_offset, 0);
  EXPECT_EQ((*parts)[0].last_abort_offset, -1);
}

TEST_F(TxnStoreTest, StagedOffsetsVisibleOnlyAfterCommit) {
  InitTxnProducerResult p = Init("a");
  TxnProducer producer{"a", p.producer_id, p.producer_epoch};
  CommittedOffset offset{42, 3, "m", 2500};
  // The group must be added first.
  EXPECT_EQ(*Await(store_->StageTxnOffsets(producer, "g", {{"t", 0, offset}}, 2500)),
            txn::kInvalidTxnState);
  EXPECT_EQ(*Await(store_->AddGroupToTxn(producer, "g", 2000)), 0);
  EXPECT_EQ(*Await(store_->StageTxnOffsets({"a", p.producer_id, 9}, "g", {{"t", 0, offset}}, 2500)),
            txn::kInvalidProducerEpoch);
  EXPECT_EQ(*Await(store_->StageTxnOffsets(producer, "g", {{"t", 0, offset}}, 2500)), 0);
  EXPECT_TRUE(Await(store_->FetchOffsets("g"))->empty());
  EXPECT_EQ(Await(store_->EndTransaction(producer, true, 3000))->error_code, 0);
  auto committed = Await(store_->FetchOffsets("g"));
  ASSERT_EQ(committed->size(), 1u);
  EXPECT_EQ(committed->at({"t", 0}).offset, 42);

  // Aborted offsets are dropped.
  EXPECT_EQ(*Await(store_->AddGroupToTxn(producer, "g", 4000)), 0);
  CommittedOffset later{99, 3, "", 4500};
  EXPECT_EQ(*Await(store_->StageTxnOffsets(producer, "g", {{"t", 0, later}}, 4500)), 0);
  EXPECT_EQ(Await(store_->EndTransaction(producer, false, 5000))->error_code, 0);
  EXPECT_EQ(Await(store_->FetchOffsets("g"))->at({"t", 0}).offset, 42);
}

// --- PostgreSQL: EndTxn and the produce commit of the same transaction race (txn-postgres) ---
// On two connections, many rounds: the transactional batch lands before the COMMIT marker, or is
// refused (INVALID_TXN_STATE) when EndTxn won; never after the marker (a hanging transaction).
class PostgresTxnRaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::PostgresTestUrl().empty()) GTEST_SKIP() << testing::kNoPostgres;
    schema_ = "sluice_txn_race_" + std::to_string(::getpid());
    testing::DropSchema(schema_);
    const std::string url = testing::PostgresUrlForSchema(schema_);
    for (auto* store : {&coordinator_, &producer_}) {
      auto opened = OpenMetadataStore(url, pool_.get_executor());
      ASSERT_TRUE(opened.ok()) << opened.status().ToString();
      *store = std::move(*opened);
    }
    ASSERT_TRUE(Await(coordinator_->Migrate()).ok());
    ASSERT_TRUE(Await(coordinator_->CreateTopic("t", 1, {})).ok());
  }
  void TearDown() override {
    coordinator_.reset();
    producer_.reset();
    if (!schema_.empty()) testing::DropSchema(schema_);
  }

  asio::thread_pool pool_{2};
  std::string schema_;
  std::unique_ptr<MetadataStore> coordinator_;
  std::unique_ptr<MetadataStore> producer_;
};

TEST_F(PostgresTxnRaceTest, ABatchIsBeforeTheMarkerOrRefusedNeverAfter) {
  auto init = Await(coordinator_->InitTransactionalProducer({"race", 60000, -1, -1}, 1000));
  ASSERT_TRUE(init.ok() && init->error_code == 0);
  const TxnProducer producer{"race", init->producer_id, init->producer_epoch};
  int landed = 0;
  int refused = 0;
  for (int round = 0; round < 100; ++round) {
    ASSERT_EQ(*Await(coordinator_->AddPartitionsToTxn(producer, {{"t", 0}}, 1000)),
              std::vector<int16_t>{0});
    ChunkToCommit chunk;
    chunk.topic = "t";
    chunk.byte_length = 100;
    chunk.record_count = 1;
    chunk.producer_id = producer.producer_id;
    chunk.producer_epoch = producer.producer_epoch;
    chunk.base_sequence = landed;  // the next sequence after the batches that landed
    chunk.transactional = true;
    CommitRequest request;
    request.object_id = "race-" + std::to_string(round);
    request.object_key = "sluice/test/" + request.object_id;
    request.object_size = 100;
    request.chunks = {chunk};
    Result<CommitResult> commit = Status::Internal("not run");
    std::thread produce([&] { commit = Await(producer_->CommitObject(request)); });
    auto end = Await(coordinator_->EndTransaction(producer, true, 1000));
    produce.join();
    ASSERT_TRUE(end.ok()) << end.status().ToString();
    ASSERT_TRUE(commit.ok()) << commit.status().ToString();
    ASSERT_EQ(end->error_code, 0);
    const ChunkOutcome& out = commit->chunks[0];
    if (out.error_code == 0) {
      ++landed;
      ASSERT_EQ(end->markers.size(), 1u) << "round " << round;
      EXPECT_EQ(end->markers[0].marker_offset, out.base_offset + 1) << "round " << round;
    } else {
      ++refused;
      EXPECT_EQ(out.error_code, txn::kInvalidTxnState) << "round " << round;
      EXPECT_TRUE(end->markers.empty()) << "round " << round;
    }
    auto parts = Await(coordinator_->GetPartitions("t"));
    ASSERT_TRUE(parts.ok());
    EXPECT_EQ((*parts)[0].last_stable_offset, (*parts)[0].high_watermark) << "round " << round;
  }
  auto parts = Await(coordinator_->GetPartitions("t"));
  EXPECT_EQ((*parts)[0].high_watermark, 2 * landed);  // each landed batch and its marker
  RecordProperty("landed", landed);
  RecordProperty("refused", refused);
}

}  // namespace
}  // namespace sluice::metadata
