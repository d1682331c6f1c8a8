#include "observability/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace sluice::obs {

Histogram::Histogram(const std::vector<double>* bounds)
    : bounds_(bounds), buckets_(new std::atomic<uint64_t>[bounds->size() + 1]) {
  for (size_t i = 0; i <= bounds_->size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double v) {
  // Bucket i counts values in (bound[i-1], bound[i]]; the last slot is +Inf.
  size_t i = std::lower_bound(bounds_->begin(), bounds_->end(), v) - bounds_->begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Take() const {
  Snapshot s;
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_->size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative_counts.push_back(running);
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  // Reported as the +Inf bucket so that `_count` and `le="+Inf"` always agree in one scrape.
  s.count = running;
  return s;
}

std::vector<double> DefaultSecondsBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> out;
  double v = start;
  for (int i = 0; i < count; ++i, v *= factor) out.push_back(v);
  return out;
}

bool IsValidMetricName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool IsValidLabelName(std::string_view s) {
  if (s.empty() || s.starts_with("__")) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string FormatPrometheusValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);  // shortest round-trip form
  return std::string(buf, end);
}

std::string EscapeHelp(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeLabelValue(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

FamilyBase::FamilyBase(std::string name, std::string help, Kind kind,
                       std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      kind_(kind),
      label_names_(std::move(label_names)) {
  if (!IsValidMetricName(name_)) throw std::logic_error("invalid metric name: " + name_);
  for (const auto& l : label_names_) {
    if (!IsValidLabelName(l) || (kind_ == Kind::kHistogram && l == "le")) {
      throw std::logic_error("invalid label name '" + l + "' for metric " + name_);
    }
  }
}

void FamilyBase::CheckLabelCount(size_t n) const {
  if (n != label_names_.size()) {
    throw std::logic_error("metric " + name_ + " expects " + std::to_string(label_names_.size()) +
                           " label values, got " + std::to_string(n));
  }
}

std::string FamilyBase::LabelText(const std::vector<std::string>& values,
                                  std::string_view extra_name, std::string_view extra_value) const {
  if (values.empty() && extra_name.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += label_names_[i];
    out += "=\"";
    out += EscapeLabelValue(values[i]);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!values.empty()) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
  return out;
}

void FamilyBase::Render(std::string& out) const {
  static constexpr const char* kTypeNames[] = {"counter", "gauge", "histogram"};
  out += "# HELP " + name_ + " " + EscapeHelp(help_) + "\n";
  out += "# TYPE " + name_ + " " + kTypeNames[static_cast<int>(kind_)] + "\n";
  std::lock_guard lock(mu_);
  RenderSeries(out);
}

void CounterFamily::RenderSeries(std::string& out) const {
  for (const auto& [labels, counter] : series_) {
    out += name_ + LabelText(labels) + " " + std::to_string(counter->Value()) + "\n";
  }
}

void GaugeFamily::RenderSeries(std::string& out) const {
  for (const auto& [labels, gauge] : series_) {
    out += name_ + LabelText(labels) + " " + FormatPrometheusValue(gauge->Value()) + "\n";
  }
}

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> label_names, std::vector<double> bounds)
    : Family<Histogram>(std::move(name), std::move(help), Kind::kHistogram, std::move(label_names)),
      bounds_(std::move(bounds)) {
  bool ascending = std::adjacent_find(bounds_.begin(), bounds_.end(),
                                      std::greater_equal<double>()) == bounds_.end();
  bool finite =
      std::all_of(bounds_.begin(), bounds_.end(), [](double b) { return std::isfinite(b); });
  if (!ascending || !finite) {
    throw std::logic_error("histogram " + name_ + " needs finite, strictly ascending buckets");
  }
}

void HistogramFamily::RenderSeries(std::string& out) const {
  for (const auto& [labels, hist] : series_) {
    Histogram::Snapshot snap = hist->Take();
    for (size_t i = 0; i <= bounds_.size(); ++i) {
      std::string le = i < bounds_.size() ? FormatPrometheusValue(bounds_[i]) : "+Inf";
      out += name_ + "_bucket" + LabelText(labels, "le", le) + " " +
             std::to_string(snap.cumulative_counts[i]) + "\n";
    }
    out += name_ + "_sum" + LabelText(labels) + " " + FormatPrometheusValue(snap.sum) + "\n";
    out += name_ + "_count" + LabelText(labels) + " " + std::to_string(snap.count) + "\n";
  }
}

FamilyBase* MetricsRegistry::Find(const std::string& name, FamilyBase::Kind kind,
                                  const std::vector<std::string>& label_names) {
  auto it = families_.find(name);
  if (it == families_.end()) return nullptr;
  if (it->second->kind() != kind || it->second->label_names() != label_names) {
    throw std::logic_error("metric " + name + " registered twice with different kinds or labels");
  }
  return it->second.get();
}

CounterFamily& MetricsRegistry::AddCounter(const std::string& name, const std::string& help,
                                           std::vector<std::string> label_names) {
  std::lock_guard lock(mu_);
  if (auto* f = Find(name, FamilyBase::Kind::kCounter, label_names)) {
    return *static_cast<CounterFamily*>(f);
  }
  auto family = std::make_unique<CounterFamily>(name, help, FamilyBase::Kind::kCounter,
                                                std::move(label_names));
  auto& ref = *family;
  families_[name] = std::move(family);
  return ref;
}

GaugeFamily& MetricsRegistry::AddGauge(const std::string& name, const std::string& help,
                                       std::vector<std::string> label_names) {
  std::lock_guard lock(mu_);
  if (auto* f = Find(name, FamilyBase::Kind::kGauge, label_names)) {
    return *static_cast<GaugeFamily*>(f);
  }
  auto family =
      std::make_unique<GaugeFamily>(name, help, FamilyBase::Kind::kGauge, std::move(label_names));
  auto& ref = *family;
  families_[name] = std::move(family);
  return ref;
}

HistogramFamily& MetricsRegistry::AddHistogram(const std::string& name, const std::string& help,
                                               std::vector<double> bounds,
                                               std::vector<std::string> label_names) {
  std::lock_guard lock(mu_);
  if (auto* f = Find(name, FamilyBase::Kind::kHistogram, label_names)) {
    return *static_cast<HistogramFamily*>(f);
  }
  auto family =
      std::make_unique<HistogramFamily>(name, help, std::move(label_names), std::move(bounds));
  auto& ref = *family;
  families_[name] = std::move(family);
  return ref;
}

std::string MetricsRegistry::RenderPrometheus() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& [name, family] : families_) family->Render(out);
  return out;
}

}  // namespace sluice::obs
