// How long the sweep will take: a per-iteration cost model (fixed time + time per token, with
// attention's growth at long sequences), calibrated on encore before the sweep starts and
// corrected by every configuration measured, turned into seconds under the sweep's Budget.
#pragma once

#include <map>
#include <string>

#include "tools/encore/sweep/latency_stats.h"
#include "tools/encore/sweep/sweep_plan.h"

namespace encore::cli::sweep {

class TimeEstimate {
 public:
  // `fixed_ms` and `per_token_ms`: encore model-only on one core (from a calibration run).
  TimeEstimate(double fixed_ms, double per_token_ms, Budget budget);

  // Predicted mean ms of one iteration.
  double iteration_ms(const System& system, const Point& point) const;
  // Predicted seconds to measure one configuration (warm-up included).
  double config_seconds(const System& system, const Point& point) const;
  // A measured mean corrects later predictions for the same system and cores.
  void observe(const System& system, const Point& point, double mean_ms);

  // Starting a peer process or a server and loading the model: once per system and cores.
  static double startup_seconds(const System& system);

 private:
  double fixed_ms_, per_token_ms_;
  Budget budget_;
  std::map<std::string, double> correction_;  // system label + cores → measured / predicted
};

}  // namespace encore::cli::sweep
