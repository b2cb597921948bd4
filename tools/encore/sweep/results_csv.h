// results.csv: one row per measured configuration, appended (and flushed) as soon as it is
// measured, so an interrupted sweep resumes where it stopped by skipping the keys already there.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "tools/encore/sweep/latency_stats.h"
#include "tools/encore/sweep/sweep_plan.h"

namespace encore::cli::sweep {

struct ResultRow {
  System system;
  Point point;
  LatencyStats stats;
};

// The first line of results.csv.
const char* results_csv_header();

// Rows of an existing results.csv (none when the file does not exist). Throws encore::Error when
// its header is not this version's, naming --restart. A torn last line (killed mid-write) is
// dropped.
std::vector<ResultRow> read_results(const std::string& path);

std::set<std::string> finished_keys(const std::vector<ResultRow>& rows);

// Appends one row (writing the header first when the file is new or empty) and flushes it.
void append_result(const std::string& path, const ResultRow& row);

}  // namespace encore::cli::sweep
