#include "tools/encore/sweep/time_estimate.h"

#include <algorithm>
#include <cmath>

namespace encore::cli::sweep {
namespace {

// Before any measurement: rough ratios to encore fp32 from docs/product.md's peer table.
double prior_factor(const System& system) {
  if (system.name == "pytorch") return 2.0;
  if (system.name == "onnxruntime") return system.precision == "int8" ? 0.4 : 0.9;
  if (system.precision == "int8") return 0.4;
  return system.mode == Mode::kHttp ? 1.05 : 1.0;
}

std::string correction_key(const System& system, const Point& point) {
  return system.label() + "/" + std::to_string(point.cores);
}

}  // namespace

TimeEstimate::TimeEstimate(double fixed_ms, double per_token_ms, Budget budget)
    : fixed_ms_(fixed_ms), per_token_ms_(per_token_ms), budget_(budget) {}

double TimeEstimate::iteration_ms(const System& system, const Point& point) const {
  const double tokens = static_cast<double>(point.seq) * point.batch;
  // Attention's cost per token grows with the sequence; fitted loosely on DistilBERT-base.
  const double attention = 1.0 + static_cast<double>(point.seq) / 512.0;
  // Adding cores helps less than linearly (memory bandwidth, synchronization).
  const double cores = std::pow(static_cast<double>(point.cores), 0.8);
  double ms = (fixed_ms_ + per_token_ms_ * tokens * attention) / cores * prior_factor(system);
  const auto found = correction_.find(correction_key(system, point));
  if (found != correction_.end()) ms *= found->second;
  return ms;
}

double TimeEstimate::startup_seconds(const System& system) {
  // Seen on a full-size model: node + ONNX Runtime's graph optimization, python + torch import.
  if (system.name == "onnxruntime") return 8;
  if (system.name == "pytorch") return 10;
  return 2;
}

double TimeEstimate::config_seconds(const System& system, const Point& point) const {
  const double ms = iteration_ms(system, point);
  const double timed_ms = std::clamp(budget_.budget_ms, static_cast<double>(budget_.min_iters) * ms,
                                     std::max(static_cast<double>(budget_.max_iters) * ms, 0.0));
  return (static_cast<double>(budget_.warmup) * ms + timed_ms) / 1000.0;
}

void TimeEstimate::observe(const System& system, const Point& point, double mean_ms) {
  const std::string key = correction_key(system, point);
  correction_.erase(key);  // predict without the old correction, then replace it
  const double predicted = iteration_ms(system, point);
  if (predicted > 0) correction_[key] = mean_ms / predicted;
}

}  // namespace encore::cli::sweep
