// PostgreSQL-only behaviour: several agents (store instances with their own connection pools)
// sharing one database, concurrent migrations, and surviving terminated connections. Skips unless
// SLUICE_TEST_POSTGRES_URL is set (scripts/with-postgres.sh).
#include "metadata/postgres_metadata_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "await.h"
#include "metadata/metadata_store.h"
#include "metadata/postgres_schema.h"
#include "postgres_test_db.h"
#include "temp_dir.h"

namespace sluice::metadata {
namespace {

using testing::Await;

ChunkToCommit Chunk(const std::string& topic, int32_t partition, int32_t last_offset_delta) {
  ChunkToCommit c;
  c.topic = topic;
  c.partition = partition;
  c.byte_length = 10;
  c.record_count = last_offset_delta + 1;
  c.last_offset_delta = last_offset_delta;
  c.first_timestamp = 1;
  c.max_timestamp = 2;
  return c;
}

CommitRequest Object(const std::string& id, std::vector<ChunkToCommit> chunks) {
  CommitRequest r;
  r.object_id = id;
  r.object_key = "k/" + id;
  uint64_t offset = 0;
  for (auto& c : chunks) {
    c.byte_offset = offset;
    offset += c.byte_length;
  }
  r.object_size = offset;
  r.chunks = std::move(chunks);
  return r;
}

constexpr int kCommitsEach = 10;

struct Shared {
  std::mutex mutex;
  std::vector<std::tuple<int32_t, int64_t, int32_t>> ranges;  // partition, base, count
  std::atomic<int> failures{0};
};

// One committer: kCommitsEach objects of three chunks over two partitions of topic "t".
Task<void> CommitMany(MetadataStore* store, int t, int c, Shared* shared) {
  for (int i = 0; i < kCommitsEach; ++i) {
    // Chunks in varying partition order: the store must lock in a fixed order anyway.
    const int32_t first = (t + c + i) % 3;
    const int32_t second = (first + 1 + i % 2) % 3;
    const int32_t d1 = (t + i) % 4;
    const int32_t d2 = (c + i) % 3;
    std::string id = std::to_string(t) + "-" + std::to_string(c) + "-" + std::to_string(i);
    // Built outside the co_await: g++ 12 cannot keep string literals alive across one.
    CommitRequest request =
        Object(id, {Chunk("t", first, d1), Chunk("t", second, d2), Chunk("t", first, 0)});
    auto r = co_await store->CommitObject(std::move(request));
    if (!r.ok() || r->chunks.size() != 3 || r->chunks[0].error_code != 0 ||
        r->chunks[1].error_code != 0 || r->chunks[2].error_code != 0) {
      ADD_FAILURE() << (r.ok() ? "chunk error" : r.status().ToString());
      ++shared->failures;
      continue;
    }
    // Within one object, a partition's later chunk directly follows its earlier one.
    EXPECT_EQ(r->chunks[2].base_offset, first == second ? r->chunks[1].base_offset + d2 + 1
                                                        : r->chunks[0].base_offset + d1 + 1);
    std::lock_guard lock(shared->mutex);
    shared->ranges.emplace_back(first, r->chunks[0].base_offset, d1 + 1);
    shared->ranges.emplace_back(second, r->chunks[1].base_offset, d2 + 1);
    shared->ranges.emplace_back(first, r->chunks[2].base_offset, 1);
  }
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::PostgresTestUrl().empty()) GTEST_SKIP() << testing::kNoPostgres;
    schema_ = testing::SchemaFor(dir_.path());
    url_ = testing::PostgresUrlForSchema(schema_);
  }
  void TearDown() override {
    if (!schema_.empty()) testing::DropSchema(schema_);
  }

  // One "agent": its own store and connection pool on the shared database.
  std::unique_ptr<MetadataStore> Agent(bool migrate = true) {
    auto opened = PostgresMetadataStore::Open(url_, PostgresStoreOptions{3, 30000});
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    if (!opened.ok()) return nullptr;
    if (migrate) {
      Status st = Await((*opened)->Migrate());
      EXPECT_TRUE(st.ok()) << st.ToString();
    }
    return std::move(opened).value();
  }

  testing::TempDir dir_;
  std::string schema_;
  std::string url_;
};

TEST_F(PostgresStoreTest, TwoAgentsCommittingConcurrentlyGetGapFreeDisjointOffsets) {
  auto a = Agent();
  auto b = Agent();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(Await(a->CreateTopic("t", 3, {})).ok());
  constexpr int kThreads = 4;
  constexpr int kCoroutinesPerThread = 3;
  Shared shared;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      asio::io_context io;
      for (int c = 0; c < kCoroutinesPerThread; ++c) {
        MetadataStore* store = (t + c) % 2 == 0 ? a.get() : b.get();
        asio::co_spawn(io, CommitMany(store, t, c, &shared), asio::detached);
      }
      io.run();
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(shared.failures.load(), 0);
  auto& ranges = shared.ranges;
  EXPECT_EQ(ranges.size(), size_t{kThreads * kCoroutinesPerThread * kCommitsEach * 3});
  std::sort(ranges.begin(), ranges.end());
  std::map<int32_t, int64_t> next;
  for (const auto& [p, base, count] : ranges) {
    EXPECT_EQ(base, next[p]) << "partition " << p;
    next[p] = base + count;
  }
  auto parts = Await(b->GetPartitions("t"));
  ASSERT_TRUE(parts.ok());
  for (const PartitionInfo& p : *parts) {
    EXPECT_EQ(p.high_watermark, next[p.partition]) << p.partition;
    // The index agrees: chunks tile [0, high watermark).
    int64_t expect = 0;
    auto chunks = Await(a->FindChunks("t", p.partition, 0, UINT64_MAX));
    ASSERT_TRUE(chunks.ok());
    for (const IndexedChunk& c : *chunks) {
      EXPECT_EQ(c.base_offset, expect);
      expect = c.base_offset + c.offset_count;
    }
    EXPECT_EQ(expect, p.high_watermark);
  }
}

TEST_F(PostgresStoreTest, IdempotentProducerDuplicatesAreCaughtAcrossAgents) {
  auto a = Agent();
  auto b = Agent();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(Await(a->CreateTopic("t", 1, {})).ok());
  auto pid = Await(b->AllocateProducerId(std::nullopt));
  ASSERT_TRUE(pid.ok());
  auto batch = [&](int32_t sequence) {
    ChunkToCommit c = Chunk("t", 0, 2);
    c.producer_id = pid->producer_id;
    c.producer_epoch = pid->producer_epoch;
    c.base_sequence = sequence;
    return c;
  };
  // The client's retry of each batch lands on the other agent at the same moment: exactly one
  // of the two appends, the other is told the original offset.
  constexpr int kBatches = 12;
  for (int i = 0; i < kBatches; ++i) {
    asio::io_context io;
    std::optional<Result<CommitResult>> ra, rb;
    CommitRequest request_a = Object("a" + std::to_string(i), {batch(i * 3)});
    CommitRequest request_b = Object("b" + std::to_string(i), {batch(i * 3)});
    auto via_a = [&]() -> Task<void> { ra.emplace(co_await a->CommitObject(request_a)); };
    auto via_b = [&]() -> Task<void> { rb.emplace(co_await b->CommitObject(request_b)); };
    asio::co_spawn(io, std::move(via_a), asio::detached);
    asio::co_spawn(io, std::move(via_b), asio::detached);
    io.run();
    ASSERT_TRUE(ra && rb && ra->ok() && rb->ok());
    const ChunkOutcome& oa = (*ra)->chunks.at(0);
    const ChunkOutcome& ob = (*rb)->chunks.at(0);
    EXPECT_EQ(oa.error_code, 0);
    EXPECT_EQ(ob.error_code, 0);
    EXPECT_NE(oa.duplicate, ob.duplicate) << "batch " << i;
    EXPECT_EQ(oa.base_offset, i * 3) << "batch " << i;
    EXPECT_EQ(ob.base_offset, i * 3) << "batch " << i;
  }
  auto parts = Await(a->GetPartitions("t"));
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ((*parts)[0].high_watermark, kBatches * 3);
  EXPECT_EQ(Await(b->FindChunks("t", 0, 0, UINT64_MAX))->size(), size_t{kBatches});
  // A gap in the sequence is still refused, whichever agent sees it.
  auto gap = Await(b->CommitObject(Object("gap", {batch(kBatches * 3 + 1)})));
  ASSERT_TRUE(gap.ok());
  EXPECT_EQ(gap->chunks[0].error_code, 45);
}

TEST_F(PostgresStoreTest, SameObjectCommittedByTwoAgentsAtOnceIsIndexedOnce) {
  auto a = Agent();
  auto b = Agent();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(Await(a->CreateTopic("t", 2, {})).ok());
  for (int i = 0; i < 10; ++i) {
    CommitRequest request = Object("same-" + std::to_string(i), {Chunk("t", i % 2, 4)});
    asio::io_context io;
    std::optional<Result<CommitResult>> ra, rb;
    auto via_a = [&]() -> Task<void> { ra.emplace(co_await a->CommitObject(request)); };
    auto via_b = [&]() -> Task<void> { rb.emplace(co_await b->CommitObject(request)); };
    asio::co_spawn(io, std::move(via_a), asio::detached);
    asio::co_spawn(io, std::move(via_b), asio::detached);
    io.run();
    ASSERT_TRUE(ra && rb && ra->ok() && rb->ok());
    EXPECT_EQ((*ra)->chunks.at(0).base_offset, (*rb)->chunks.at(0).base_offset);
    EXPECT_EQ((*ra)->chunks.at(0).log_append_time_ms, (*rb)->chunks.at(0).log_append_time_ms);
  }
  auto parts = Await(a->GetPartitions("t"));
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ((*parts)[0].high_watermark, 25);
  EXPECT_EQ((*parts)[1].high_watermark, 25);
}

TEST_F(PostgresStoreTest, ConcurrentMigrationsFromManyAgentsAgree) {
  constexpr int kAgents = 4;
  std::vector<std::unique_ptr<MetadataStore>> agents;
  for (int i = 0; i < kAgents; ++i) {
    agents.push_back(Agent(/*migrate=*/false));
    ASSERT_TRUE(agents.back());
  }
  std::vector<Status> results(kAgents);
  std::vector<std::thread> threads;
  for (int i = 0; i < kAgents; ++i) {
    threads.emplace_back([&, i] { results[i] = Await(agents[i]->Migrate()); });
  }
  for (auto& th : threads) th.join();
  for (const Status& st : results) EXPECT_TRUE(st.ok()) << st.ToString();
  const std::string cluster = *Await(agents[0]->ClusterId());
  for (auto& agent : agents) EXPECT_EQ(*Await(agent->ClusterId()), cluster);
  ASSERT_TRUE(Await(agents[1]->CreateTopic("t", 1, {})).ok());
  EXPECT_EQ(Await(agents[3]->GetTopic("t"))->num_partitions, 1);
  // The schema was applied once.
  auto admin = PgConnection::Connect(url_, 10000);
  ASSERT_TRUE(admin.ok());
  auto rows = (*admin)->Exec("SELECT COUNT(*) FROM schema_migrations");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->Text(0, 0), std::to_string(PostgresSchemaMigrations().size()));
}

TEST_F(PostgresStoreTest, SurvivesTerminatedConnections) {
  auto store = Agent();
  ASSERT_TRUE(store);
  ASSERT_TRUE(Await(store->CreateTopic("t", 1, {})).ok());
  ASSERT_TRUE(Await(store->CommitObject(Object("before", {Chunk("t", 0, 1)}))).ok());
  auto admin = PgConnection::Connect(testing::PostgresTestUrl(), 10000);
  ASSERT_TRUE(admin.ok());
  auto count = [&]() {
    auto res = (*admin)->Exec("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1",
                              {schema_});
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    return res.ok() ? res->Text(0, 0) : "?";
  };
  EXPECT_EQ(count(), "3");
  for (int round = 0; round < 2; ++round) {
    auto killed = (*admin)->Exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
        {schema_});
    ASSERT_TRUE(killed.ok()) << killed.status().ToString();
    EXPECT_EQ(killed->rows(), 3);
    // pg_terminate_backend only signals: wait until the backends are gone.
    for (int i = 0; i < 200 && count() != "0"; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(count(), "0");
    // More concurrent calls than pooled connections, so every connection meets the loss.
    asio::io_context io;
    int ok = 0;
    for (int i = 0; i < 6; ++i) {
      auto call = [&, i]() -> Task<void> {
        if (i % 2 == 0) {
          CommitRequest request = Object("after-" + std::to_string(round) + "-" + std::to_string(i),
                                         {Chunk("t", 0, 0)});
          auto r = co_await store->CommitObject(std::move(request));
          if (r.ok() && r->chunks[0].error_code == 0)
            ++ok;
          else
            ADD_FAILURE() << (r.ok() ? "chunk error" : r.status().ToString());
        } else {
          std::string topic = "t";
          auto r = co_await store->GetTopic(std::move(topic));
          if (r.ok())
            ++ok;
          else
            ADD_FAILURE() << r.status().ToString();
        }
      };
      asio::co_spawn(io, std::move(call), asio::detached);
    }
    io.run();
    EXPECT_EQ(ok, 6);
  }
  auto parts = Await(store->GetPartitions("t"));
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ((*parts)[0].high_watermark, 2 + 6);
}

TEST_F(PostgresStoreTest, AgentsRacingForGroupLeasesAgreeOnExactlyOneOwner) {
  constexpr int kAgents = 4;
  constexpr int kGroups = 12;
  constexpr int kCoroutinesPerAgent = 3;  // each races for every group
  constexpr int64_t kT0 = 1'700'000'000'000;
  constexpr int64_t kGroupLease = 1'000;
  std::vector<std::unique_ptr<MetadataStore>> agents;
  std::vector<int32_t> node_ids;
  for (int i = 0; i < kAgents; ++i) {
    agents.push_back(Agent());
    ASSERT_TRUE(agents.back());
    AgentRegistration registration;
    registration.instance_id = "agent-" + std::to_string(i);
    registration.host = "127.0.0.1";
    registration.kafka_port = 9092 + i;
    auto record = Await(agents.back()->RegisterAgent(registration, kT0, 3'600'000));
    ASSERT_TRUE(record.ok()) << record.status().ToString();
    node_ids.push_back(record->node_id);
  }
  std::sort(node_ids.begin(), node_ids.end());
  ASSERT_EQ(std::unique(node_ids.begin(), node_ids.end()), node_ids.end());

  // Every agent, on its own thread, races for every group at time `now`; returns the answers.
  auto race = [&](int64_t now) {
    std::mutex mutex;
    std::map<int, std::vector<std::pair<int32_t, int32_t>>> answers;  // group -> (asker, owner)
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kAgents; ++i) {
      threads.emplace_back([&, i] {
        asio::io_context io;
        for (int c = 0; c < kCoroutinesPerAgent; ++c) {
          auto racer = [&, i, c]() -> Task<void> {
            for (int k = 0; k < kGroups; ++k) {
              // Every racer asks for every group once, agents walking them in different orders.
              const int step = i % 2 == 0 ? k : kGroups - 1 - k;
              const int g = (step + 3 * c + i) % kGroups;
              std::string group = "group-" + std::to_string(g);
              auto owner = co_await agents[i]->AcquireGroupLease(std::move(group), node_ids[i], now,
                                                                 kGroupLease);
              if (!owner.ok()) {
                ADD_FAILURE() << owner.status().ToString();
                ++failures;
                continue;
              }
              std::lock_guard lock(mutex);
              answers[g].emplace_back(node_ids[i], *owner);
            }
          };
          asio::co_spawn(io, std::move(racer), asio::detached);
        }
        io.run();
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(failures.load(), 0);
    return answers;
  };
  auto check = [&](const std::map<int, std::vector<std::pair<int32_t, int32_t>>>& answers) {
    std::map<int, int32_t> owners;
    ASSERT_EQ(answers.size(), size_t{kGroups});
    for (const auto& [g, list] : answers) {
      ASSERT_EQ(list.size(), size_t{kAgents * kCoroutinesPerAgent});
      const int32_t owner = list.front().second;
      EXPECT_TRUE(std::binary_search(node_ids.begin(), node_ids.end(), owner)) << owner;
      for (const auto& [asker, answer] : list) EXPECT_EQ(answer, owner) << "group " << g;
      owners[g] = owner;
    }
    // The store agrees: each owner, and only it, renews its groups.
    std::map<int, int32_t> renewed;
    for (int i = 0; i < kAgents; ++i) {
      auto held = Await(agents[i]->RenewGroupLeases(node_ids[i], kT0 + 5'000, kGroupLease));
      ASSERT_TRUE(held.ok()) << held.status().ToString();
      for (const std::string& group : *held) {
        const int g = std::stoi(group.substr(6));
        EXPECT_EQ(renewed.count(g), 0u) << "group " << g << " has two owners";
        renewed[g] = node_ids[i];
      }
    }
    EXPECT_EQ(renewed, owners);
  };
  check(race(kT0));
  // Every lease has run out (the renewal above set them to kT0 + 6000): they race for a takeover.
  check(race(kT0 + 10'000));
}

}  // namespace
}  // namespace sluice::metadata
