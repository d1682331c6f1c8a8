#include "metadata/producer_sequence.h"

#include <gtest/gtest.h>

#include <limits>

namespace sluice::metadata {
namespace {

using Kind = SequenceDecision::Kind;
constexpr int32_t kMax = std::numeric_limits<int32_t>::max();

ProducerPartitionState State(int16_t epoch, int32_t last, std::vector<RecordedBatch> recent = {}) {
  return ProducerPartitionState{epoch, last, std::move(recent)};
}

TEST(ProducerSequenceTest, LastSequenceWraps) {
  EXPECT_EQ(LastSequenceOf(0, 9), 9);
  EXPECT_EQ(LastSequenceOf(kMax, 0), kMax);
  EXPECT_EQ(LastSequenceOf(kMax, 1), 0);
  EXPECT_EQ(LastSequenceOf(kMax - 2, 5), 2);
  EXPECT_EQ(NextSequence(kMax), 0);
  EXPECT_EQ(NextSequence(41), 42);
}

TEST(ProducerSequenceTest, UnknownProducerAcceptsAnySequence) {
  EXPECT_EQ(CheckSequence(std::nullopt, std::nullopt, {0, 0, 4}).kind, Kind::kAppend);
  EXPECT_EQ(CheckSequence(std::nullopt, std::nullopt, {3, 1234, 4}).kind, Kind::kAppend);
}

TEST(ProducerSequenceTest, NextBatchMustFollowLastSequence) {
  auto state = State(0, 9, {{5, 9, 100}});
  EXPECT_EQ(CheckSequence(state, 0, {0, 10, 3}).kind, Kind::kAppend);
  auto gap = CheckSequence(state, 0, {0, 12, 0});
  EXPECT_EQ(gap.kind, Kind::kReject);
  EXPECT_EQ(gap.error_code, kErrorOutOfOrderSequence);
  EXPECT_EQ(CheckSequence(State(0, kMax), 0, {0, 0, 0}).kind, Kind::kAppend);  // wrap
}

TEST(ProducerSequenceTest, DuplicateOfRecentBatchReturnsOriginalOffset) {
  auto state = State(2, 9, {{0, 4, 50}, {5, 9, 70}});
  auto dup = CheckSequence(state, 2, {2, 0, 4});
  EXPECT_EQ(dup.kind, Kind::kDuplicate);
  EXPECT_EQ(dup.original_base_offset, 50);
  // Same base sequence but a different length is not the same batch.
  EXPECT_EQ(CheckSequence(state, 2, {2, 0, 3}).error_code, kErrorOutOfOrderSequence);
}

TEST(ProducerSequenceTest, EpochRules) {
  auto state = State(3, 9, {{5, 9, 70}});
  EXPECT_EQ(CheckSequence(state, 3, {2, 10, 0}).error_code, kErrorInvalidProducerEpoch);
  auto bumped = CheckSequence(state, 4, {4, 0, 0});
  EXPECT_EQ(bumped.kind, Kind::kAppend);
  EXPECT_TRUE(bumped.new_epoch);
  EXPECT_EQ(CheckSequence(state, 4, {4, 10, 0}).error_code, kErrorOutOfOrderSequence);
  // Fenced by a newer allocation even where this partition never saw the newer epoch.
  EXPECT_EQ(CheckSequence(state, 5, {3, 10, 0}).error_code, kErrorInvalidProducerEpoch);
  EXPECT_EQ(CheckSequence(std::nullopt, 5, {4, 0, 0}).error_code, kErrorInvalidProducerEpoch);
}

}  // namespace
}  // namespace sluice::metadata
