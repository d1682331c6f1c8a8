// A metrics registry rendered in the Prometheus text exposition format (v0.0.4).
//
// There are no globals: the agent owns one MetricsRegistry and passes it to the components that
// record metrics. Register a family once at start-up, resolve label values once (WithLabels), keep
// the returned reference and update it on the hot path: updates are single relaxed atomic
// operations.
//
// Registration errors (an invalid metric or label name, one name registered with two different
// kinds or label sets, a wrong number of label values) are programming errors caught at start-up,
// so they throw std::logic_error; nothing on the update path can fail.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::obs {

// A monotonically increasing count of events.
class Counter {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down.
class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double v) { value_.fetch_add(v, std::memory_order_relaxed); }
  void Sub(double v) { value_.fetch_sub(v, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted into fixed buckets (upper bounds, ascending; +Inf is implicit).
class Histogram {
 public:
  explicit Histogram(const std::vector<double>* bounds);
  void Observe(double v);

  struct Snapshot {
    std::vector<uint64_t> cumulative_counts;  // one per bound, then +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot Take() const;

 private:
  const std::vector<double>* bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_->size() + 1 (+Inf)
  std::atomic<double> sum_{0};
  std::atomic<uint64_t> count_{0};
};

// Latency buckets in seconds, like the Prometheus client libraries' defaults.
std::vector<double> DefaultSecondsBuckets();
// `count` bounds: start, start*factor, start*factor^2, ...
std::vector<double> ExponentialBuckets(double start, double factor, int count);

class FamilyBase {
 public:
  enum class Kind { kCounter, kGauge, kHistogram };
  FamilyBase(std::string name, std::string help, Kind kind, std::vector<std::string> label_names);
  virtual ~FamilyBase() = default;
  const std::string& name() const { return name_; }
  Kind kind() const { return kind_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  void Render(std::string& out) const;

 protected:
  void CheckLabelCount(size_t n) const;
  virtual void RenderSeries(std::string& out) const = 0;
  // Renders `{a="x",b="y"}` (plus an optional extra label such as le), or nothing when empty.
  std::string LabelText(const std::vector<std::string>& values, std::string_view extra_name = {},
                        std::string_view extra_value = {}) const;

  std::string name_;
  std::string help_;
  Kind kind_;
  std::vector<std::string> label_names_;
  mutable std::mutex mu_;  // guards the series maps of subclasses (not the metric values)
};

template <typename Metric>
class Family : public FamilyBase {
 public:
  using FamilyBase::FamilyBase;
  // Returns the series for these label values, creating it on first use. The reference stays
  // valid for the registry's lifetime: look it up once and keep it.
  Metric& WithLabels(const std::vector<std::string>& values) {
    CheckLabelCount(values.size());
    std::lock_guard lock(mu_);
    auto& slot = series_[values];
    if (!slot) slot = Make();
    return *slot;
  }
  Metric& Get() { return WithLabels({}); }

 protected:
  virtual std::unique_ptr<Metric> Make() const = 0;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> series_;
};

class CounterFamily : public Family<Counter> {
 public:
  using Family<Counter>::Family;

 protected:
  std::unique_ptr<Counter> Make() const override { return std::make_unique<Counter>(); }
  void RenderSeries(std::string& out) const override;
};

class GaugeFamily : public Family<Gauge> {
 public:
  using Family<Gauge>::Family;

 protected:
  std::unique_ptr<Gauge> Make() const override { return std::make_unique<Gauge>(); }
  void RenderSeries(std::string& out) const override;
};

class HistogramFamily : public Family<Histogram> {
 public:
  HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> bounds);
  const std::vector<double>& bounds() const { return bounds_; }

 protected:
  std::unique_ptr<Histogram> Make() const override { return std::make_unique<Histogram>(&bounds_); }
  void RenderSeries(std::string& out) const override;

 private:
  std::vector<double> bounds_;
};

class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Registering an existing name with the same kind and label names returns the existing family.
  CounterFamily& AddCounter(const std::string& name, const std::string& help,
                            std::vector<std::string> label_names = {});
  GaugeFamily& AddGauge(const std::string& name, const std::string& help,
                        std::vector<std::string> label_names = {});
  HistogramFamily& AddHistogram(const std::string& name, const std::string& help,
                                std::vector<double> bounds,
                                std::vector<std::string> label_names = {});

  // The whole registry in the text exposition format, families sorted by name and series by
  // label values, so the output is deterministic.
  std::string RenderPrometheus() const;
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  FamilyBase* Find(const std::string& name, FamilyBase::Kind kind,
                   const std::vector<std::string>& label_names);
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<FamilyBase>> families_;
};

// Formatting helpers, exposed for tests and for other text formats.
std::string FormatPrometheusValue(double v);
std::string EscapeHelp(std::string_view s);
std::string EscapeLabelValue(std::string_view s);
bool IsValidMetricName(std::string_view s);
bool IsValidLabelName(std::string_view s);

}  // namespace sluice::obs
