#include "observability/metrics.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

namespace sluice::obs {
namespace {

TEST(MetricsTest, SampleRegistryRendersExactExposition) {
  MetricsRegistry registry;
  auto& requests =
      registry.AddCounter("sluice_requests_total", "Kafka requests handled.", {"api", "code"});
  requests.WithLabels({"Produce", "ok"}).Inc(3);
  requests.WithLabels({"Fetch", "ok"}).Inc();
  auto& lag = registry.AddGauge("sluice_consumer_lag", "Lag with \"quotes\", a \\ and\nnewline.",
                                {"group"});
  lag.WithLabels({"g\"1\\\n"}).Set(-2.5);
  auto& up = registry.AddGauge("sluice_up", "Whether the agent is up.");
  up.Get().Set(1);
  auto& latency =
      registry.AddHistogram("sluice_flush_seconds", "Flush latency.", {0.005, 0.1, 1}, {"role"});
  auto& h = latency.WithLabels({"proxy"});
  h.Observe(0.005);  // upper bounds are inclusive
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(3);

  const std::string expected =
      "# HELP sluice_consumer_lag Lag with \"quotes\", a \\\\ and\\nnewline.\n"
      "# TYPE sluice_consumer_lag gauge\n"
      "sluice_consumer_lag{group=\"g\\\"1\\\\\\n\"} -2.5\n"
      "# HELP sluice_flush_seconds Flush latency.\n"
      "# TYPE sluice_flush_seconds histogram\n"
      "sluice_flush_seconds_bucket{role=\"proxy\",le=\"0.005\"} 1\n"
      "sluice_flush_seconds_bucket{role=\"proxy\",le=\"0.1\"} 2\n"
      "sluice_flush_seconds_bucket{role=\"proxy\",le=\"1\"} 3\n"
      "sluice_flush_seconds_bucket{role=\"proxy\",le=\"+Inf\"} 4\n"
      "sluice_flush_seconds_sum{role=\"proxy\"} 3.555\n"
      "sluice_flush_seconds_count{role=\"proxy\"} 4\n"
      "# HELP sluice_requests_total Kafka requests handled.\n"
      "# TYPE sluice_requests_total counter\n"
      "sluice_requests_total{api=\"Fetch\",code=\"ok\"} 1\n"
      "sluice_requests_total{api=\"Produce\",code=\"ok\"} 3\n"
      "# HELP sluice_up Whether the agent is up.\n"
      "# TYPE sluice_up gauge\n"
      "sluice_up 1\n";
  EXPECT_EQ(registry.RenderPrometheus(), expected);
}

TEST(MetricsTest, HandlesAreStableAndSharedAcrossLookups) {
  MetricsRegistry registry;
  auto& family = registry.AddCounter("c_total", "c", {"k"});
  Counter& a = family.WithLabels({"x"});
  Counter& b = family.WithLabels({"x"});
  EXPECT_EQ(&a, &b);
  // Re-registering the same family returns it instead of a second one.
  EXPECT_EQ(&registry.AddCounter("c_total", "c", {"k"}), &family);
}

TEST(MetricsTest, ConcurrentIncrementsAreNotLost) {
  MetricsRegistry registry;
  Counter& c = registry.AddCounter("events_total", "e").Get();
  Histogram& h = registry.AddHistogram("sizes", "s", {10, 100}).Get();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.Inc();
        h.Observe(i % 200);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.Value(), 40000u);
  auto snap = h.Take();
  EXPECT_EQ(snap.count, 40000u);
  EXPECT_EQ(snap.cumulative_counts[0], 4u * 50 * 11);   // 0..10 in each run of 200
  EXPECT_EQ(snap.cumulative_counts[1], 4u * 50 * 101);  // 0..100
}

TEST(MetricsTest, RegistrationMistakesAreRejected) {
  MetricsRegistry registry;
  EXPECT_THROW(registry.AddCounter("bad-name", "x"), std::logic_error);
  EXPECT_THROW(registry.AddCounter("ok", "x", {"__reserved"}), std::logic_error);
  EXPECT_THROW(registry.AddHistogram("h", "x", {1, 1}), std::logic_error);
  EXPECT_THROW(registry.AddHistogram("h2", "x", {1}, {"le"}), std::logic_error);
  registry.AddCounter("dup", "x");
  EXPECT_THROW(registry.AddGauge("dup", "x"), std::logic_error);
  auto& f = registry.AddCounter("two_labels", "x", {"a", "b"});
  EXPECT_THROW(f.WithLabels({"only-one"}), std::logic_error);
}

TEST(MetricsTest, FormatsValuesLikeOtherPrometheusClients) {
  EXPECT_EQ(FormatPrometheusValue(0.25), "0.25");
  EXPECT_EQ(FormatPrometheusValue(10), "10");
  EXPECT_EQ(FormatPrometheusValue(1.0 / 0.0), "+Inf");
  EXPECT_EQ(FormatPrometheusValue(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(FormatPrometheusValue(0.0 / 0.0), "NaN");
  EXPECT_EQ(ExponentialBuckets(1, 2, 4), (std::vector<double>{1, 2, 4, 8}));
}

}  // namespace
}  // namespace sluice::obs
