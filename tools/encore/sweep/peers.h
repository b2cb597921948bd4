// The peers measured beside encore — ONNX Runtime fp32 and int8 (npm onnxruntime-node) and
// PyTorch eager (Debian python3-torch) — each optional: a peer that cannot run is reported with
// the reason, never fatal. Each runs as a child process pinned to the same CPUs as encore, one
// process per cores value, streaming raw latencies back (tools/bench_sweep/*_sweep.*).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tools/encore/sweep/latency_stats.h"
#include "tools/encore/sweep/sweep_plan.h"

namespace encore::cli::sweep {

struct PeerPaths {
  std::string source_dir;  // the encore checkout: tools/bench_sweep/, node_modules/
  std::string shared_dir;  // ../shared: reference/distilbert_ref.py, peers/onnx_dynq.py
  std::string model_dir;   // the Hugging Face folder encore runs
  std::string onnx;        // --onnx: a prepared fp32 graph (empty: export one)
  std::string onnx_int8;   // --onnx-int8: a prepared int8 graph (empty: quantize the fp32 one)
  std::string cache_dir;   // where exported graphs are kept between runs
};

struct Peer {
  System system;
  bool available = false;
  std::string missing_reason;        // why it is not measured, for the report and stderr
  std::vector<std::string> command;  // the script and its fixed arguments, before THREADS
  std::vector<std::string> env;      // "NAME=value" added to the environment
};

// Finds node/onnxruntime-node and python3/torch, exports and quantizes the ONNX graphs when
// needed (cached in paths.cache_dir); prints each step and each missing peer on stderr.
// `wanted` lists peer names ("onnxruntime", "pytorch").
std::vector<Peer> prepare_peers(const PeerPaths& paths, const std::vector<std::string>& wanted);

// Runs `peer` on `cores` CPUs for `points` (all with that cores value); calls `on_result` as each
// configuration's samples arrive. Throws encore::Error when the peer fails mid-way.
void run_peer(const Peer& peer, int cores, const std::vector<Point>& points, const Budget& budget,
              const std::function<void(const Point&, std::vector<double>)>& on_result);

}  // namespace encore::cli::sweep
