// The sweep's outputs besides results.csv: results.json (every row plus the machine, the
// command and the systems), report.md (tables, the machine, the command to reproduce, missing
// peers) and the PNG charts (drawn by tools/bench_sweep/plot_sweep.py with python3-matplotlib).
#pragma once

#include <string>
#include <vector>

#include "tools/encore/sweep/machine_info.h"
#include "tools/encore/sweep/results_csv.h"
#include "tools/encore/sweep/sweep_plan.h"

namespace encore::cli::sweep {

// A system in this run: measured, or why not (missing peer, failure mid-way).
struct SystemStatus {
  System system;
  std::string problem;  // empty when it was measured without trouble
};

struct SweepContext {
  std::string command;  // the exact command line to reproduce the run
  std::string model_dir;
  std::string date;
  std::string note;  // --note: e.g. "measured while other jobs loaded the machine"
  MachineInfo machine;
  Grid grid;
  std::vector<SystemStatus> systems;
  std::vector<std::string> charts;  // PNG file names written into the out folder
  std::string charts_problem;       // why there are no charts (empty when there are)
};

// Runs the plotting script on out_dir/results.csv; fills context.charts or charts_problem.
void draw_charts(const std::string& plot_script, const std::string& out_dir, SweepContext& context);

void write_results_json(const std::string& path, const SweepContext& context,
                        const std::vector<ResultRow>& rows);
void write_report_md(const std::string& path, const SweepContext& context,
                     const std::vector<ResultRow>& rows);

}  // namespace encore::cli::sweep
