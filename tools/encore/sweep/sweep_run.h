// Runs a sweep: for each cores value, each system measures every configuration not yet in
// results.csv, appending each row as it is measured; progress and the time left on stderr.
#pragma once

#include <string>
#include <vector>

#include "tools/encore/sweep/peers.h"
#include "tools/encore/sweep/sized_texts.h"
#include "tools/encore/sweep/sweep_plan.h"
#include "tools/encore/sweep/sweep_report.h"
#include "tools/encore/sweep/time_estimate.h"

namespace encore::cli::sweep {

struct SweepSettings {
  std::string model_dir;
  std::string encore_bin;  // for `encore serve` in http mode
  std::string results_csv;
  Grid grid;
  std::vector<System> encore_systems;  // encore × precisions × modes
  std::vector<Peer> peers;
  const SizedTexts* texts = nullptr;  // the model's tokenizer's exact-length texts
};

// The systems that will be measured, each with its status (missing peers carry their reason).
std::vector<SystemStatus> sweep_systems(const SweepSettings& settings);

// Calibrates the time model on encore (one core, two short configurations).
TimeEstimate calibrate(const SweepSettings& settings);

// Seconds the unfinished configurations should take, and how many there are.
double estimate_seconds(const SweepSettings& settings, const TimeEstimate& estimate,
                        int& pending_count, int& total_count);

// Measures every unfinished configuration. A system that fails (a peer crashing, the server not
// starting) is recorded in `statuses` and the sweep goes on with the next one.
void run_sweep(const SweepSettings& settings, TimeEstimate& estimate,
               std::vector<SystemStatus>& statuses);

}  // namespace encore::cli::sweep
