// Latency samples of one benchmark configuration → the numbers every system reports the same way
// (encore and the peers alike send raw per-iteration times, so one function computes them all).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace encore::cli::sweep {

struct LatencyStats {
  int64_t iterations = 0;
  double busy_seconds = 0;  // sum of the timed iterations
  double min_ms = 0, mean_ms = 0, p50_ms = 0, p90_ms = 0, p95_ms = 0, p99_ms = 0, max_ms = 0;
  // One client, one request at a time (closed loop): requests per second of busy time.
  double requests_per_second() const;
};

// The value below which `fraction` of the sorted samples fall (nearest rank).
double percentile(const std::vector<double>& sorted, double fraction);

// `ms` need not be sorted; it must not be empty.
LatencyStats summarize(std::vector<double> ms);

// How long each configuration runs: `warmup` untimed calls, then timed calls until both
// `budget_ms` has passed and `min_iters` were made, or `max_iters` were made.
struct Budget {
  double budget_ms = 2000;
  int64_t min_iters = 3;
  int64_t max_iters = 2000;
  int64_t warmup = 1;
};

// Runs `once` under `budget` and returns the timed calls' durations in ms.
std::vector<double> measure(const Budget& budget, const std::function<void()>& once);

}  // namespace encore::cli::sweep
