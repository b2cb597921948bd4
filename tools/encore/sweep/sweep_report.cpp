#include "tools/encore/sweep/sweep_report.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "support/error.h"
#include "support/json_writer.h"
#include "tools/encore/sweep/child_process.h"

namespace encore::cli::sweep {
namespace {

using RowIndex = std::map<std::string, const ResultRow*>;

RowIndex index_rows(const std::vector<ResultRow>& rows) {
  RowIndex index;
  for (const auto& row : rows) index[row_key(row.system, row.point)] = &row;
  return index;
}

const ResultRow* find(const RowIndex& index, const System& system, int cores, int seq, int batch) {
  const auto found = index.find(row_key(system, {cores, seq, batch}));
  return found == index.end() ? nullptr : found->second;
}

// The run's systems first, in their order, then any other system a resumed results.csv holds.
std::vector<System> systems_in(const SweepContext& context, const std::vector<ResultRow>& rows) {
  std::vector<System> systems;
  std::set<std::string> seen;
  for (const auto& status : context.systems) {
    if (seen.insert(status.system.label()).second) systems.push_back(status.system);
  }
  for (const auto& row : rows) {
    if (seen.insert(row.system.label()).second) systems.push_back(row.system);
  }
  return systems;
}

std::vector<int> values_in(const std::vector<ResultRow>& rows, int Point::*field) {
  std::set<int> values;
  for (const auto& row : rows) values.insert(row.point.*field);
  return {values.begin(), values.end()};
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), value >= 100 ? "%.0f" : value >= 10 ? "%.1f" : "%.2f", value);
  return text;
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string joined;
  for (const auto& part : parts) joined += (joined.empty() ? "" : separator) + part;
  return joined;
}

std::string list(const std::vector<int>& values) {
  std::vector<std::string> parts;
  for (int v : values) parts.push_back(std::to_string(v));
  return join(parts, ", ");
}

void table_header(std::ostringstream& md, const std::string& first,
                  const std::vector<std::string>& columns) {
  md << "| " << first << " | " << join(columns, " | ") << " |\n|---|";
  for (size_t i = 0; i < columns.size(); ++i) md << "---|";
  md << "\n";
}

std::vector<std::string> labels(const std::vector<System>& systems) {
  std::vector<std::string> names;
  for (const auto& s : systems) names.push_back(s.label());
  return names;
}

void machine_section(std::ostringstream& md, const SweepContext& c) {
  const MachineInfo& m = c.machine;
  md << "## Machine\n\n"
     << "- CPU: " << m.cpu_model << ", " << m.logical_cpus << " logical CPUs available, "
     << (m.clock_mhz.empty() ? std::string("clock not reported")
                             : m.clock_mhz + " MHz (cpu0, /proc/cpuinfo)")
     << "\n- ISA flags: " << (m.isa_flags.empty() ? "none of interest" : join(m.isa_flags, ", "))
     << "\n- encore kernels: JIT level `" << m.jit_level << "` (bf16 "
     << (m.jit_bf16 ? "yes" : "no") << "), Highway fp32 target `" << m.highway_target << "`"
     << "\n- OS: " << m.kernel << "\n\n";
}

void systems_section(std::ostringstream& md, const SweepContext& c) {
  md << "## Systems\n\n";
  for (const auto& s : c.systems) {
    md << "- **" << s.system.label()
       << "**: " << (s.problem.empty() ? "measured" : "NOT measured or incomplete — " + s.problem)
       << "\n";
  }
  md << "\nmodel = the forward pass alone on token ids (encore: `Session::forward` in-process; "
        "peers: their runtime in a child process); http = `POST /predict` with texts to `encore "
        "serve` over a keep-alive loopback connection (tokenize, model, post-process, JSON). "
        "Every system runs on the same first N CPUs (pinned) with N threads, one request at a "
        "time; throughput = requests / busy time, sequences/s = requests/s × batch.\n\n";
}

void throughput_section(std::ostringstream& md, const std::vector<System>& systems,
                        const RowIndex& index, const std::vector<ResultRow>& rows) {
  md << "## Throughput (sequences/s; higher is better)\n\n";
  for (int cores : values_in(rows, &Point::cores)) {
    for (int batch : values_in(rows, &Point::batch)) {
      md << "### " << cores << (cores == 1 ? " core" : " cores") << ", batch " << batch << "\n\n";
      table_header(md, "seq", labels(systems));
      for (int seq : values_in(rows, &Point::seq)) {
        md << "| " << seq;
        for (const auto& system : systems) {
          const ResultRow* row = find(index, system, cores, seq, batch);
          md << " | " << (row ? number(row->stats.requests_per_second() * batch) : "–");
        }
        md << " |\n";
      }
      md << "\n";
    }
  }
}

void latency_section(std::ostringstream& md, const std::vector<System>& systems,
                     const RowIndex& index, const std::vector<ResultRow>& rows) {
  md << "## Latency at batch 1 (ms: p50 / p95 / p99; mean, min, max in results.csv)\n\n";
  for (int cores : values_in(rows, &Point::cores)) {
    md << "### " << cores << (cores == 1 ? " core" : " cores") << "\n\n";
    table_header(md, "seq", labels(systems));
    for (int seq : values_in(rows, &Point::seq)) {
      md << "| " << seq;
      for (const auto& system : systems) {
        const ResultRow* row = find(index, system, cores, seq, 1);
        md << " | "
           << (row ? number(row->stats.p50_ms) + " / " + number(row->stats.p95_ms) + " / " +
                         number(row->stats.p99_ms)
                   : "–");
      }
      md << " |\n";
    }
    md << "\n";
  }
}

void speedup_section(std::ostringstream& md, const std::vector<System>& systems,
                     const RowIndex& index, const std::vector<ResultRow>& rows) {
  md << "## Speedup of encore over each peer (throughput ratio, model only; > 1 = encore "
        "faster)\n\n";
  std::vector<std::pair<System, System>> pairs;
  for (const auto& mine : systems) {
    if (mine.name != "encore" || mine.mode != Mode::kModel) continue;
    for (const auto& peer : systems) {
      if (peer.name != "encore") pairs.emplace_back(mine, peer);
    }
  }
  if (pairs.empty()) {
    md << "No peer was measured.\n\n";
    return;
  }
  const auto batches = values_in(rows, &Point::batch);
  const std::vector<int> shown = {batches.front(), batches.back()};
  for (int cores : values_in(rows, &Point::cores)) {
    md << "### " << cores << (cores == 1 ? " core" : " cores") << "\n\n";
    std::vector<std::string> columns;
    for (const auto& [mine, peer] : pairs) {
      for (int batch : shown) {
        columns.push_back(mine.precision + " vs " + peer.name + " " + peer.precision + ", b" +
                          std::to_string(batch));
      }
      if (shown[0] == shown[1]) columns.pop_back();
    }
    table_header(md, "seq", columns);
    for (int seq : values_in(rows, &Point::seq)) {
      md << "| " << seq;
      for (const auto& [mine, peer] : pairs) {
        for (size_t i = 0; i < (shown[0] == shown[1] ? 1u : 2u); ++i) {
          const ResultRow* a = find(index, mine, cores, seq, shown[i]);
          const ResultRow* b = find(index, peer, cores, seq, shown[i]);
          md << " | "
             << (a && b
                     ? number(a->stats.requests_per_second() / b->stats.requests_per_second()) + "×"
                     : "–");
        }
      }
      md << " |\n";
    }
    md << "\n";
  }
}

void overhead_section(std::ostringstream& md, const std::vector<System>& systems,
                      const RowIndex& index, const std::vector<ResultRow>& rows) {
  std::vector<std::pair<System, System>> pairs;  // (model, http) of the same precision
  for (const auto& model : systems) {
    for (const auto& http : systems) {
      if (model.name == "encore" && http.name == "encore" && model.mode == Mode::kModel &&
          http.mode == Mode::kHttp && model.precision == http.precision) {
        pairs.emplace_back(model, http);
      }
    }
  }
  if (pairs.empty()) return;
  md << "## End-to-end overhead at batch 1 (http p50 − model p50, ms: tokenization, "
        "post-processing, JSON, HTTP)\n\n";
  std::vector<std::string> columns;
  const auto cores_values = values_in(rows, &Point::cores);
  for (const auto& [model, http] : pairs) {
    for (int cores : cores_values)
      columns.push_back(model.precision + ", " + std::to_string(cores) + "c");
  }
  table_header(md, "seq", columns);
  for (int seq : values_in(rows, &Point::seq)) {
    md << "| " << seq;
    for (const auto& [model, http] : pairs) {
      for (int cores : cores_values) {
        const ResultRow* a = find(index, model, cores, seq, 1);
        const ResultRow* b = find(index, http, cores, seq, 1);
        md << " | " << (a && b ? number(b->stats.p50_ms - a->stats.p50_ms) : "–");
      }
    }
    md << " |\n";
  }
  md << "\n";
}

}  // namespace

void draw_charts(const std::string& plot_script, const std::string& out_dir,
                 SweepContext& context) {
  std::string output;
  const int code =
      run_captured({"/usr/bin/python3", plot_script, out_dir + "/results.csv", out_dir}, output);
  if (code != 0) {
    std::string reason = output.substr(output.rfind('\n', output.size() - 2) + 1);
    if (!reason.empty() && reason.back() == '\n') reason.pop_back();
    context.charts_problem = "no charts: " + plot_script + " failed (" +
                             (reason.empty() ? "exit " + std::to_string(code) : reason) +
                             "); install python3-matplotlib";
    std::fprintf(stderr, "sweep: %s\n", context.charts_problem.c_str());
    return;
  }
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (line.size() > 4 && line.compare(line.size() - 4, 4, ".png") == 0) {
      context.charts.push_back(line);
    }
  }
}

void write_results_json(const std::string& path, const SweepContext& c,
                        const std::vector<ResultRow>& rows) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.key("date").value(c.date).key("command").value(c.command).key("model").value(c.model_dir);
  json.key("machine").begin_object();
  json.key("cpu_model")
      .value(c.machine.cpu_model)
      .key("logical_cpus")
      .value(c.machine.logical_cpus);
  json.key("clock_mhz").value(c.machine.clock_mhz).key("isa_flags").begin_array();
  for (const auto& flag : c.machine.isa_flags) json.value(flag);
  json.end_array();
  json.key("jit_level").value(c.machine.jit_level).key("jit_bf16").value(c.machine.jit_bf16);
  json.key("highway_target").value(c.machine.highway_target).key("os").value(c.machine.kernel);
  json.end_object();
  json.key("budget").begin_object();
  json.key("budget_ms")
      .value(c.grid.budget.budget_ms)
      .key("min_iters")
      .value(c.grid.budget.min_iters);
  json.key("max_iters").value(c.grid.budget.max_iters).key("warmup").value(c.grid.budget.warmup);
  json.end_object();
  json.key("systems").begin_array();
  for (const auto& s : c.systems) {
    json.begin_object().key("label").value(s.system.label()).key("name").value(s.system.name);
    json.key("precision").value(s.system.precision).key("mode").value(mode_name(s.system.mode));
    json.key("measured").value(s.problem.empty()).key("problem").value(s.problem).end_object();
  }
  json.end_array();
  json.key("charts").begin_array();
  for (const auto& chart : c.charts) json.value(chart);
  json.end_array();
  json.key("charts_problem").value(c.charts_problem);
  json.key("results").begin_array();
  for (const auto& row : rows) {
    const LatencyStats& s = row.stats;
    json.begin_object()
        .key("system")
        .value(row.system.name)
        .key("precision")
        .value(row.system.precision);
    json.key("mode").value(mode_name(row.system.mode)).key("cores").value(row.point.cores);
    json.key("seq").value(row.point.seq).key("batch").value(row.point.batch);
    json.key("iterations").value(s.iterations).key("req_per_s").value(s.requests_per_second());
    json.key("seq_per_s").value(s.requests_per_second() * row.point.batch);
    json.key("min_ms").value(s.min_ms).key("mean_ms").value(s.mean_ms).key("p50_ms").value(
        s.p50_ms);
    json.key("p90_ms").value(s.p90_ms).key("p95_ms").value(s.p95_ms).key("p99_ms").value(s.p99_ms);
    json.key("max_ms").value(s.max_ms).end_object();
  }
  json.end_array().end_object();
  std::ofstream(path) << out << "\n";
}

void write_report_md(const std::string& path, const SweepContext& c,
                     const std::vector<ResultRow>& rows) {
  std::ostringstream md;
  md << "# encore benchmark sweep\n\n";
  if (!c.note.empty()) md << "> " << c.note << "\n\n";
  md << "Measured " << c.date << " on `" << c.model_dir << "`; " << rows.size()
     << " configurations; cores {" << list(values_in(rows, &Point::cores)) << "}, sequence length {"
     << list(values_in(rows, &Point::seq)) << "}, batch {" << list(values_in(rows, &Point::batch))
     << "}. Each configuration: " << c.grid.budget.warmup << " warm-up call(s), then calls for "
     << c.grid.budget.budget_ms << " ms and at least " << c.grid.budget.min_iters << " (at most "
     << c.grid.budget.max_iters << ").\n\n";
  machine_section(md, c);
  systems_section(md, c);
  if (rows.empty()) {
    md << "No configuration was measured.\n\n";
  } else {
    const auto systems = systems_in(c, rows);
    const RowIndex index = index_rows(rows);
    throughput_section(md, systems, index, rows);
    latency_section(md, systems, index, rows);
    speedup_section(md, systems, index, rows);
    overhead_section(md, systems, index, rows);
  }
  md << "## Charts\n\n";
  if (c.charts.empty()) md << (c.charts_problem.empty() ? "No charts." : c.charts_problem) << "\n";
  for (const auto& chart : c.charts) md << "![" << chart << "](" << chart << ")\n";
  md << "\n## Reproduce\n\n```sh\n"
     << c.command << "\n```\n\nEvery measurement is in "
     << "`results.csv` (one row per configuration, mean/min/max/p90 included) and "
        "`results.json`.\n";
  std::ofstream(path) << md.str();
}

}  // namespace encore::cli::sweep
