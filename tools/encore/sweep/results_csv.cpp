#include "tools/encore/sweep/results_csv.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "support/error.h"

namespace encore::cli::sweep {
namespace {

constexpr int kColumns = 17;

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> fields;
  std::istringstream in(line);
  for (std::string field; std::getline(in, field, ',');) fields.push_back(field);
  return fields;
}

Mode parse_mode(const std::string& name, const std::string& path) {
  if (name == "model") return Mode::kModel;
  if (name == "http") return Mode::kHttp;
  throw_error(path, ": unknown mode '", name, "'");
}

}  // namespace

const char* results_csv_header() {
  return "system,precision,mode,cores,seq,batch,iterations,req_per_s,seq_per_s,"
         "min_ms,mean_ms,p50_ms,p90_ms,p95_ms,p99_ms,max_ms,busy_s";
}

std::vector<ResultRow> read_results(const std::string& path) {
  std::ifstream in(path);
  std::vector<ResultRow> rows;
  std::string line;
  if (!in || !std::getline(in, line)) return rows;
  if (line != results_csv_header()) {
    throw_error(path, ": its header is not this encore's (", line,
                "); use --restart to start over, or another --out");
  }
  while (std::getline(in, line)) {
    const auto f = split_csv_line(line);
    if (static_cast<int>(f.size()) != kColumns) continue;  // torn write of an interrupted run
    try {
      ResultRow row;
      row.system = {f[0], f[1], parse_mode(f[2], path)};
      row.point = {std::stoi(f[3]), std::stoi(f[4]), std::stoi(f[5])};
      LatencyStats& s = row.stats;
      s.iterations = std::stoll(f[6]);
      s.min_ms = std::stod(f[9]);
      s.mean_ms = std::stod(f[10]);
      s.p50_ms = std::stod(f[11]);
      s.p90_ms = std::stod(f[12]);
      s.p95_ms = std::stod(f[13]);
      s.p99_ms = std::stod(f[14]);
      s.max_ms = std::stod(f[15]);
      s.busy_seconds = std::stod(f[16]);
      rows.push_back(row);
    } catch (const std::logic_error&) {
      // A torn line whose field count happens to match: skip it, it will be measured again.
    }
  }
  return rows;
}

std::set<std::string> finished_keys(const std::vector<ResultRow>& rows) {
  std::set<std::string> keys;
  for (const auto& row : rows) keys.insert(row_key(row.system, row.point));
  return keys;
}

void append_result(const std::string& path, const ResultRow& row) {
  std::ifstream existing(path, std::ios::binary | std::ios::ate);
  const bool needs_header = !existing || existing.tellg() <= 0;
  // A run killed mid-line left a torn row without its newline: end it, so this row stays whole.
  bool ends_torn = false;
  if (!needs_header) {
    existing.seekg(-1, std::ios::end);
    ends_torn = existing.get() != '\n';
  }
  existing.close();
  FILE* out = std::fopen(path.c_str(), "a");
  if (!out) throw_error(path, ": cannot open for appending");
  if (needs_header) std::fprintf(out, "%s\n", results_csv_header());
  if (ends_torn) std::fputc('\n', out);
  const LatencyStats& s = row.stats;
  const double rps = s.requests_per_second();
  std::fprintf(out, "%s,%lld,%.3f,%.3f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f\n",
               row_key(row.system, row.point).c_str(), static_cast<long long>(s.iterations), rps,
               rps * row.point.batch, s.min_ms, s.mean_ms, s.p50_ms, s.p90_ms, s.p95_ms, s.p99_ms,
               s.max_ms, s.busy_seconds);
  const bool failed = std::fflush(out) != 0;
  std::fclose(out);
  if (failed) throw_error(path, ": write failed");
}

}  // namespace encore::cli::sweep
