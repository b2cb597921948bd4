#include "tools/encore/sweep/latency_stats.h"

#include <algorithm>
#include <chrono>
#include <numeric>

#include "support/error.h"

namespace encore::cli::sweep {

double LatencyStats::requests_per_second() const {
  return busy_seconds > 0 ? static_cast<double>(iterations) / busy_seconds : 0;
}

double percentile(const std::vector<double>& sorted, double fraction) {
  const size_t rank = static_cast<size_t>(fraction * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(rank, sorted.size() - 1)];
}

LatencyStats summarize(std::vector<double> ms) {
  if (ms.empty()) throw_error("no latency samples to summarize");
  std::sort(ms.begin(), ms.end());
  LatencyStats stats;
  stats.iterations = static_cast<int64_t>(ms.size());
  const double total_ms = std::accumulate(ms.begin(), ms.end(), 0.0);
  stats.busy_seconds = total_ms / 1000;
  stats.min_ms = ms.front();
  stats.max_ms = ms.back();
  stats.mean_ms = total_ms / static_cast<double>(ms.size());
  stats.p50_ms = percentile(ms, 0.50);
  stats.p90_ms = percentile(ms, 0.90);
  stats.p95_ms = percentile(ms, 0.95);
  stats.p99_ms = percentile(ms, 0.99);
  return stats;
}

std::vector<double> measure(const Budget& budget, const std::function<void()>& once) {
  using Clock = std::chrono::steady_clock;
  for (int64_t i = 0; i < budget.warmup; ++i) once();
  std::vector<double> ms;
  double spent_ms = 0;
  while (static_cast<int64_t>(ms.size()) < budget.max_iters &&
         (spent_ms < budget.budget_ms || static_cast<int64_t>(ms.size()) < budget.min_iters)) {
    const auto start = Clock::now();
    once();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    spent_ms += ms.back();
  }
  return ms;
}

}  // namespace encore::cli::sweep
