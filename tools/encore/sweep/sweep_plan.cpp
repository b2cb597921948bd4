#include "tools/encore/sweep/sweep_plan.h"

namespace encore::cli::sweep {

const char* mode_name(Mode mode) {
  return mode == Mode::kHttp ? "http" : "model";
}

std::string System::label() const {
  return name + " " + precision + " " + mode_name(mode);
}

std::string row_key(const System& system, const Point& point) {
  return system.name + "," + system.precision + "," + mode_name(system.mode) + "," +
         std::to_string(point.cores) + "," + std::to_string(point.seq) + "," +
         std::to_string(point.batch);
}

Grid full_grid() {
  Grid grid{{1, 2, 4, 8}, {8, 16, 32, 64, 128, 256, 384, 512}, {1, 2, 4, 8, 16, 32}, {}};
  grid.budget = {.budget_ms = 2000, .min_iters = 3, .max_iters = 2000, .warmup = 1};
  return grid;
}

Grid quick_grid() {
  Grid grid{{1, 2}, {8, 64, 128}, {1, 8}, {}};
  grid.budget = {.budget_ms = 400, .min_iters = 3, .max_iters = 500, .warmup = 1};
  return grid;
}

std::vector<Point> points_for(const Grid& grid, int cores) {
  std::vector<Point> points;
  for (int seq : grid.seqs) {
    for (int batch : grid.batches) points.push_back({cores, seq, batch});
  }
  return points;
}

}  // namespace encore::cli::sweep
