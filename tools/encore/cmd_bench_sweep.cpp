// encore bench --sweep — the Infinity-style benchmark: cores × sequence length × batch, encore
// in-process (model only) and end to end over HTTP, beside ONNX Runtime fp32/int8 and PyTorch on
// the same pinned cores; writes results.csv (resumable), results.json, report.md and PNG charts.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>

#include "encore/encore.h"
#include "support/error.h"
#include "tools/encore/args.h"
#include "tools/encore/sweep/child_process.h"
#include "tools/encore/sweep/cmd_bench_sweep.h"
#include "tools/encore/sweep/machine_info.h"
#include "tools/encore/sweep/progress_bar.h"
#include "tools/encore/sweep/results_csv.h"
#include "tools/encore/sweep/sweep_report.h"
#include "tools/encore/sweep/sweep_run.h"

namespace encore::cli {
namespace {

namespace fs = std::filesystem;
using namespace sweep;

// Set by meson: where tools/bench_sweep/ and node_modules/ are, and ../shared beside them.
constexpr const char* kSourceDir = ENCORE_SOURCE_DIR;

std::vector<std::string> split_names(const std::string& text) {
  std::vector<std::string> names;
  std::istringstream in(text);
  for (std::string name; std::getline(in, name, ',');) {
    if (!name.empty()) names.push_back(name);
  }
  return names;
}

std::vector<int> int_list(const Args& args, const std::string& name, int64_t hi,
                          const std::vector<int>& preset) {
  if (!args.has(name)) return preset;
  std::vector<int> values;
  for (int64_t v : args.get_int_list(name, 1, hi)) values.push_back(static_cast<int>(v));
  return values;
}

std::string default_model_dir() {
  for (const std::string& dir :
       {std::string("demo-model"), std::string(kSourceDir) + "/demo-model"}) {
    if (fs::exists(dir + "/config.json")) return dir;
  }
  throw_error(
      "no --model given and no demo model found; make one with\n"
      "  encore demo-model --out demo-model\nor give --model DIR (a Hugging Face "
      "DistilBERT folder)");
}

std::string shell_quote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789-_=./,:+@") == std::string::npos) {
    return arg;
  }
  std::string quoted = "'";
  for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string self_path() {
  std::error_code error;
  const fs::path path = fs::read_symlink("/proc/self/exe", error);
  return error ? std::string("encore") : path.string();
}

// Removes what earlier runs wrote into `out`, keeping the exported ONNX graphs.
void clear_results(const std::string& out) {
  for (const char* name : {"results.csv", "results.json", "report.md", "throughput.png",
                           "latency_batch1.png", "speedup.png"}) {
    fs::remove(fs::path(out) / name);
  }
}

// The preset (--quick or the full grid) with the command line's overrides; cores beyond the
// CPUs this process may use are dropped with a note.
Grid grid_from(const Args& args) {
  Grid grid = args.get_flag("quick") ? quick_grid() : full_grid();
  grid.cores = int_list(args, "cores", 1024, grid.cores);
  grid.seqs = int_list(args, "seq", 1 << 20, grid.seqs);
  grid.batches = int_list(args, "batch", 1 << 16, grid.batches);
  if (args.has("budget-ms"))
    grid.budget.budget_ms = static_cast<double>(args.get_int("budget-ms", 0, 1 << 30));
  if (args.has("min-iters")) grid.budget.min_iters = args.get_int("min-iters", 1, 1 << 24);
  if (args.has("max-iters")) grid.budget.max_iters = args.get_int("max-iters", 1, 1 << 24);
  if (args.has("warmup")) grid.budget.warmup = args.get_int("warmup", 0, 1 << 24);
  if (grid.budget.max_iters < grid.budget.min_iters)
    throw_error("--max-iters is below --min-iters");

  const int machine_cpus = static_cast<int>(first_cpus(1 << 20).size());
  std::vector<int> kept;
  for (int cores : grid.cores) {
    if (cores <= machine_cpus) {
      kept.push_back(cores);
    } else {
      std::fprintf(stderr, "sweep: skipping %d cores: this process may run on %d CPUs\n", cores,
                   machine_cpus);
    }
  }
  if (kept.empty()) throw_error("--cores: none of them fits the ", machine_cpus, " CPUs available");
  grid.cores = kept;
  return grid;
}

// encore × each --precision × each --modes.
std::vector<System> encore_systems_from(const Args& args) {
  std::vector<System> systems;
  for (const auto& precision : split_names(args.get("precision"))) {
    parse_precision(precision);  // an unknown name fails here, listing the valid ones
    for (const auto& mode : split_names(args.get("modes"))) {
      if (mode != "model" && mode != "http")
        throw_error("--modes: '", mode, "' is not model or http");
      systems.push_back({"encore", precision, mode == "http" ? Mode::kHttp : Mode::kModel});
    }
  }
  if (systems.empty()) throw_error("--modes and --precision select no encore system");
  return systems;
}

}  // namespace

int cmd_bench_sweep(int argc, char** argv) {
  Args args(
      "bench --sweep", "encore bench --sweep [--quick] [--model DIR] [--out DIR] [options]",
      "The Infinity-style sweep: cores {1,2,4,8} (those this machine has, threads pinned) ×\n"
      "sequence length {8..512} × batch {1..32}; encore model only (in-process API) and end to\n"
      "end (POST /predict to `encore serve` on loopback), and the peers ONNX Runtime fp32/int8\n"
      "and PyTorch eager on the same cores (each optional: a missing one is reported).\n"
      "Writes DIR/results.csv (a row per configuration as it finishes: rerun the same command\n"
      "to resume), results.json, report.md and PNG charts. Prints the estimated time first.");
  args.flag("sweep", "run the sweep (this command)")
      .flag("quick", "a few-minute subset: cores {1,2}, seq {8,64,128}, batch {1,8}, 400 ms each")
      .option("model", "DIR", "Hugging Face model folder (default: ./demo-model if present)")
      .option("out", "DIR", "output folder", "bench-sweep")
      .option("cores", "N,..",
              "cores to use (default 1,2,4,8; more than the machine has are dropped)")
      .option("seq", "S,..", "sequence lengths (default 8,16,32,64,128,256,384,512)")
      .option("batch", "B,..", "batch sizes (default 1,2,4,8,16,32)")
      .option("budget-ms", "MS", "timed milliseconds per configuration (default 2000; quick 400)")
      .option("min-iters", "N", "at least N timed calls per configuration (default 3)")
      .option("max-iters", "N", "at most N timed calls per configuration (default 2000)")
      .option("warmup", "N", "untimed calls before timing (default 1)")
      .option("modes", "M,..", "encore modes: model, http", "model,http")
      .option("precision", "P,..", "encore precisions: fp32, int8, bf16 (each measured in turn)",
              "fp32")
      .option("peers", "P,..", "peers: onnxruntime, pytorch, or none", "onnxruntime,pytorch")
      .option("onnx", "FILE", "a prepared fp32 ONNX graph of the model (default: export one)")
      .option("onnx-int8", "FILE", "a prepared int8 ONNX graph (default: quantize the fp32 one)")
      .option("shared", "DIR", "the shared folder (reference script, quantizer)",
              std::string(kSourceDir) + "/../shared")
      .option("note", "TEXT", "a line quoted at the top of report.md")
      .flag("restart", "discard DIR's earlier results instead of resuming")
      .flag("dry-run", "print the plan and the time estimate, measure nothing");
  if (!args.parse(argc, argv)) return args.exit_code();

  const Grid grid = grid_from(args);

  SweepSettings settings;
  settings.model_dir = args.has("model") ? args.get("model") : default_model_dir();
  settings.encore_bin = self_path();
  settings.grid = grid;
  settings.encore_systems = encore_systems_from(args);

  const std::string out = args.get("out");
  fs::create_directories(out);
  settings.results_csv = out + "/results.csv";
  if (args.get_flag("restart") && !args.get_flag("dry-run")) clear_results(out);

  const Tokenizer tokenizer = Tokenizer::from_dir(settings.model_dir);
  const SizedTexts texts(tokenizer);
  settings.texts = &texts;
  for (int seq : grid.seqs) {
    if (static_cast<size_t>(seq) > tokenizer.model_max_length()) {
      throw_error("--seq ", seq, " is longer than the model's maximum of ",
                  tokenizer.model_max_length(), " tokens");
    }
    texts.make(seq, 0);  // fails early if the vocabulary cannot make texts of this length
  }

  std::vector<std::string> wanted = split_names(args.get("peers"));
  if (wanted.size() == 1 && wanted[0] == "none") wanted.clear();
  settings.peers = prepare_peers({.source_dir = kSourceDir,
                                  .shared_dir = args.get("shared"),
                                  .model_dir = settings.model_dir,
                                  .onnx = args.get("onnx"),
                                  .onnx_int8 = args.get("onnx-int8"),
                                  .cache_dir = out + "/onnx"},
                                 wanted);

  std::fprintf(stderr, "sweep: calibrating the time estimate on encore...\n");
  TimeEstimate estimate = calibrate(settings);
  int pending = 0, total = 0;
  const double seconds = estimate_seconds(settings, estimate, pending, total);
  std::fprintf(stderr,
               "sweep: %d configurations (%zu systems × %zu cores × %zu lengths × %zu "
               "batches), %d already in %s; estimated time: %s\n",
               total, total / (grid.cores.size() * grid.seqs.size() * grid.batches.size()),
               grid.cores.size(), grid.seqs.size(), grid.batches.size(), total - pending,
               settings.results_csv.c_str(), format_duration(seconds).c_str());
  if (args.get_flag("dry-run")) return 0;

  std::vector<SystemStatus> statuses = sweep_systems(settings);
  run_sweep(settings, estimate, statuses);

  SweepContext context;
  context.command = "encore bench";
  for (int i = 0; i < argc; ++i) {
    if (std::string_view(argv[i]) != "--restart")
      context.command.append(" ").append(shell_quote(argv[i]));
  }
  context.model_dir = settings.model_dir;
  context.date = utc_now();
  context.note = args.get("note");
  context.machine = read_machine_info();
  context.grid = grid;
  context.systems = statuses;
  const std::vector<ResultRow> rows = read_results(settings.results_csv);
  if (rows.empty()) {
    context.charts_problem = "no charts: no configuration was measured";
  } else {
    draw_charts(std::string(kSourceDir) + "/tools/bench_sweep/plot_sweep.py", out, context);
  }
  write_results_json(out + "/results.json", context, rows);
  write_report_md(out + "/report.md", context, rows);
  std::printf("%s/report.md\n", out.c_str());
  // Peers are optional (their problems are in the report); encore itself must not fail.
  for (const auto& status : statuses) {
    if (status.system.name == "encore" && !status.problem.empty()) return 1;
  }
  return 0;
}

}  // namespace encore::cli
