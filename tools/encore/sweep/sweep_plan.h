// What a sweep measures: the systems (encore in-process or over HTTP, and the peers), the grid of
// cores × sequence length × batch, and the key that names one measurement in results.csv.
#pragma once

#include <string>
#include <vector>

#include "tools/encore/sweep/latency_stats.h"

namespace encore::cli::sweep {

// "model": the forward pass on token ids (encore's Session API, a peer's runtime);
// "http": POST /predict to `encore serve` with texts (tokenize, model, post-process, JSON).
enum class Mode { kModel, kHttp };
const char* mode_name(Mode mode);

struct System {
  std::string name;       // "encore", "onnxruntime", "pytorch"
  std::string precision;  // "fp32", "int8", ...
  Mode mode = Mode::kModel;
  std::string label() const;  // "encore fp32 http", as in tables and charts
};

struct Point {
  int cores = 1;
  int seq = 8;
  int batch = 1;
};

// The key of one row of results.csv: a configuration measured once.
std::string row_key(const System& system, const Point& point);

struct Grid {
  std::vector<int> cores, seqs, batches;
  Budget budget;
};

// Infinity's grid (cores {1,2,4,8} × 8 lengths × 6 batches) and a few-minute subset of it.
Grid full_grid();
Grid quick_grid();

// The grid's points for one cores value, in the order they run (short sequences first).
std::vector<Point> points_for(const Grid& grid, int cores);

}  // namespace encore::cli::sweep
