#include "tools/encore/sweep/peers.h"

#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/error.h"
#include "tools/encore/sweep/child_process.h"

namespace encore::cli::sweep {
namespace {

namespace fs = std::filesystem;

// Debian's interpreter, where python3-torch and python3-onnx live (not another python3 on PATH).
constexpr const char* kPython = "/usr/bin/python3";

bool command_succeeds(const std::vector<std::string>& argv, std::string* output = nullptr) {
  std::string captured;
  const bool ok = run_captured(argv, captured) == 0;
  if (output) *output = captured;
  return ok;
}

std::string last_line(const std::string& text) {
  std::string trimmed = text;
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r')) trimmed.pop_back();
  const size_t newline = trimmed.rfind('\n');
  return newline == std::string::npos ? trimmed : trimmed.substr(newline + 1);
}

// Identifies the model folder's weights, so a cached graph is re-exported when they change.
std::string model_stamp(const std::string& model_dir) {
  std::error_code error;
  const fs::path weights = fs::path(model_dir) / "model.safetensors";
  const auto size = fs::file_size(weights, error);
  const auto time = fs::last_write_time(weights, error).time_since_epoch().count();
  return fs::weakly_canonical(model_dir, error).string() + " " + std::to_string(size) + " " +
         std::to_string(time);
}

// An fp32 graph: the given --onnx, or one exported once into the cache. Empty + reason on failure.
std::string fp32_graph(const PeerPaths& paths, std::string& reason) {
  if (!paths.onnx.empty()) {
    if (!fs::exists(paths.onnx)) reason = "--onnx " + paths.onnx + " does not exist";
    return reason.empty() ? paths.onnx : "";
  }
  const std::string graph = paths.cache_dir + "/model.onnx";
  const std::string stamp_file = paths.cache_dir + "/model.onnx.source";
  const std::string stamp = model_stamp(paths.model_dir);
  std::ifstream stamp_in(stamp_file);
  std::string cached_stamp;
  std::getline(stamp_in, cached_stamp);
  if (fs::exists(graph) && cached_stamp == stamp) return graph;

  const std::string script = paths.shared_dir + "/reference/distilbert_ref.py";
  if (!fs::exists(script)) {
    reason = "no ONNX graph: " + script + " not found (give --onnx FILE, or --shared DIR)";
    return "";
  }
  fs::create_directories(paths.cache_dir);
  std::fprintf(stderr, "sweep: exporting the ONNX graph to %s (python3-torch)...\n", graph.c_str());
  std::string output;
  if (!command_succeeds(
          {kPython, script, "export-onnx", "--model", paths.model_dir, "--out", graph}, &output)) {
    reason = "ONNX export failed: " + last_line(output);
    return "";
  }
  std::ofstream(stamp_file) << stamp << "\n";
  fs::remove(graph + ".int8");  // the quantized graph came from the previous export
  return graph;
}

std::string int8_graph(const PeerPaths& paths, const std::string& fp32, std::string& reason) {
  if (!paths.onnx_int8.empty()) {
    if (!fs::exists(paths.onnx_int8)) reason = "--onnx-int8 " + paths.onnx_int8 + " does not exist";
    return reason.empty() ? paths.onnx_int8 : "";
  }
  if (fp32.empty()) {
    reason = "no fp32 graph to quantize";
    return "";
  }
  const std::string graph =
      paths.onnx.empty() ? fp32 + ".int8" : paths.cache_dir + "/given.int8.onnx";
  if (fs::exists(graph) && paths.onnx.empty()) return graph;
  const std::string script = paths.shared_dir + "/peers/onnx_dynq.py";
  if (!fs::exists(script)) {
    reason = script + " not found (give --onnx-int8 FILE)";
    return "";
  }
  fs::create_directories(paths.cache_dir);
  std::fprintf(stderr, "sweep: quantizing the ONNX graph to int8 (python3-onnx)...\n");
  std::string output;
  if (!command_succeeds({kPython, script, fp32, graph}, &output)) {
    reason = "int8 quantization failed: " + last_line(output);
    return "";
  }
  return graph;
}

std::vector<Peer> onnxruntime_peers(const PeerPaths& paths) {
  Peer fp32{{"onnxruntime", "fp32", Mode::kModel}, false, "", {}, {}};
  Peer int8{{"onnxruntime", "int8", Mode::kModel}, false, "", {}, {}};
  const std::string modules = paths.source_dir + "/node_modules";
  std::string reason;
  if (!command_succeeds({"node", "--version"})) {
    reason = "node is not installed (apt-get install nodejs)";
  } else if (!fs::exists(modules + "/onnxruntime-node")) {
    reason = "npm onnxruntime-node is not in " + modules +
             " (npm install --ignore-scripts onnxruntime-node@1.30.0)";
  }
  if (!reason.empty()) {
    fp32.missing_reason = int8.missing_reason = reason;
    return {fp32, int8};
  }
  const std::string script = paths.source_dir + "/tools/bench_sweep/ort_sweep.js";
  const std::string fp32_file = fp32_graph(paths, fp32.missing_reason);
  const std::string int8_file = int8_graph(paths, fp32_file, int8.missing_reason);
  for (auto [peer, file] : {std::pair{&fp32, fp32_file}, std::pair{&int8, int8_file}}) {
    if (file.empty()) continue;
    peer->available = true;
    peer->command = {"node", script, file};
    peer->env = {"NODE_PATH=" + modules};
  }
  return {fp32, int8};
}

Peer pytorch_peer(const PeerPaths& paths) {
  Peer peer{{"pytorch", "fp32", Mode::kModel}, false, "", {}, {}};
  const std::string reference = paths.shared_dir + "/reference";
  std::string output;
  if (!fs::exists(reference + "/distilbert_ref.py")) {
    peer.missing_reason = reference + "/distilbert_ref.py not found (give --shared DIR)";
  } else if (!command_succeeds({kPython, "-c", "import torch, numpy"}, &output)) {
    peer.missing_reason =
        "python3-torch is not installed (apt-get install python3-torch): " + last_line(output);
  } else {
    peer.available = true;
    peer.command = {kPython, paths.source_dir + "/tools/bench_sweep/torch_sweep.py", reference,
                    paths.model_dir};
    // Debian's torch uses OpenBLAS when libopenblas0-pthread is installed (else the reference
    // BLAS, ~8x slower); a forced OPENBLAS_CORETYPE would pick slower kernels: unset it.
    // torch's OpenMP threads spin after each parallel op and starve OpenBLAS's own threads on
    // the same cores (2 cores measured 2x slower than 1); passive waiting removes that.
    peer.env = {"OPENBLAS_CORETYPE", "OMP_WAIT_POLICY=PASSIVE"};
  }
  return peer;
}

std::string configs_argument(const std::vector<Point>& points) {
  std::string configs;
  for (const auto& point : points) {
    if (!configs.empty()) configs += ',';
    configs += std::to_string(point.seq) + "x" + std::to_string(point.batch);
  }
  return configs;
}

}  // namespace

std::vector<Peer> prepare_peers(const PeerPaths& paths, const std::vector<std::string>& wanted) {
  std::vector<Peer> peers;
  for (const auto& name : wanted) {
    if (name == "onnxruntime") {
      for (auto& peer : onnxruntime_peers(paths)) peers.push_back(peer);
    } else if (name == "pytorch") {
      peers.push_back(pytorch_peer(paths));
    } else {
      throw_error("--peers: unknown peer '", name, "' (onnxruntime, pytorch, or none)");
    }
  }
  for (const auto& peer : peers) {
    if (!peer.available) {
      std::fprintf(stderr, "sweep: peer %s not measured: %s\n", peer.system.label().c_str(),
                   peer.missing_reason.c_str());
    }
  }
  return peers;
}

void run_peer(const Peer& peer, int cores, const std::vector<Point>& points, const Budget& budget,
              const std::function<void(const Point&, std::vector<double>)>& on_result) {
  std::vector<std::string> argv = peer.command;
  for (const std::string& arg : {std::to_string(cores), configs_argument(points),
                                 std::to_string(budget.budget_ms), std::to_string(budget.min_iters),
                                 std::to_string(budget.max_iters), std::to_string(budget.warmup)}) {
    argv.push_back(arg);
  }
  std::vector<std::string> env = peer.env;
  for (const char* name : {"OMP_NUM_THREADS=", "OPENBLAS_NUM_THREADS=", "MKL_NUM_THREADS="}) {
    env.push_back(name + std::to_string(cores));
  }
  ChildProcess child(argv, first_cpus(cores), env);
  const std::string label = peer.system.label();
  // Loading a model or one long configuration (PyTorch, seq 512 × batch 32) can take minutes.
  const auto patience = std::chrono::minutes(30);
  const auto ready = child.read_line(patience);
  if (!ready || *ready != "ready") throw_error(label, ": the peer did not start (see above)");
  for (const auto& point : points) {
    const auto line = child.read_line(patience);
    if (!line) throw_error(label, ": the peer stopped at seq ", point.seq, " batch ", point.batch);
    std::istringstream in(*line);
    int seq = 0, batch = 0;
    char comma = 0;
    in >> seq >> comma >> batch >> comma;
    if (seq != point.seq || batch != point.batch) {
      throw_error(label, ": unexpected line from the peer: ", *line);
    }
    std::vector<double> ms;
    for (double value; in >> value;) ms.push_back(value);
    if (ms.empty()) throw_error(label, ": no samples in: ", *line);
    on_result(point, std::move(ms));
  }
  child.stop();
}

}  // namespace encore::cli::sweep
