// encore bench — times Encoder::forward alone (no tokenizer, no post-processing) on random valid
// ids, for every combination of --seq, --batch and --threads, and prints one CSV row each:
//   seq,batch,threads,p50_ms,p90_ms,p99_ms,min_ms,max_ms
// Progress goes to stderr so stdout stays a clean CSV.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "engine/api/encore_model_file.h"
#include "engine/encoder.h"
#include "kernels/highway_target.h"
#include "kernels/jit/cpu_features.h"
#include "loader/distilbert_weights.h"
#include "support/error.h"
#include "tools/encore/args.h"
#include "tools/encore/commands.h"
#include "tools/encore/sweep/cmd_bench_sweep.h"
#include "tools/encore/sweep/latency_stats.h"

namespace encore::cli {
using sweep::percentile;  // the same nearest-rank percentile as the sweep

int cmd_bench(int argc, char** argv) {
  if (std::find(argv, argv + argc, std::string_view("--sweep")) != argv + argc) {
    return cmd_bench_sweep(argc, argv);
  }
  Args args("bench",
            "encore bench --model DIR [--seq 8,16,...] [--batch 1,...] [--threads 1,2] [--iters N]\n"
            "             [--precision fp32|bf16|int8]",
            "Times the model's forward pass alone on random valid ids and prints latency CSV:\n"
            "seq,batch,threads,p50_ms,p90_ms,p99_ms,min_ms,max_ms (progress on stderr).");
  args.option("model", "DIR|FILE", "Hugging Face model folder, or a .encore file (encore optimize)")
      .option("seq", "S,..", "sequence lengths", "8,16,32,64,128,256,384,512")
      .option("batch", "B,..", "batch sizes", "1")
      .option("threads", "T,..", "thread counts (0 = every allowed core)", "1")
      .option("iters", "N", "timed forward passes per configuration", "50")
      .option("warmup", "N", "untimed forward passes before timing", "5")
      .option("seed", "N", "random seed for the ids", "0")
      .option("precision", "P", "fp32, bf16 or int8", "fp32")
      .flag("sweep", "the full Infinity-style sweep with peers, charts and a report instead\n"
                     "(see encore bench --sweep --help)");
  if (!args.parse(argc, argv)) return args.exit_code();
  if (!args.has("model")) throw_error("--model DIR is required");

  const auto seqs = args.get_int_list("seq", 1, 1 << 20);
  const auto batches = args.get_int_list("batch", 1, 1 << 16);
  const auto thread_counts = args.get_int_list("threads", 0, 1024);
  const int64_t iters = args.get_int("iters", 1, 1 << 24);
  const int64_t warmup = args.get_int("warmup", 0, 1 << 24);

  // Packed once, shared by the Encoder of every thread count.
  const auto model = api::load_packed_model(args.get("model"),
                                            engine::parse_engine_precision(args.get("precision")));
  const loader::ModelConfig& config = model->config;
  for (int64_t seq : seqs) {
    if (seq > config.max_position_embeddings) {
      throw_error("--seq ", seq, " exceeds the model's max_position_embeddings ",
                  config.max_position_embeddings);
    }
  }
  const int64_t max_tokens = *std::max_element(seqs.begin(), seqs.end()) *
                             *std::max_element(batches.begin(), batches.end());
  std::mt19937 rng(static_cast<unsigned>(args.get_int("seed", 0, UINT32_MAX)));
  // Ordinary word pieces: skip the [PAD]/[unused]/special ids at the start of BERT vocabularies.
  const int32_t first_id = config.vocab_size > 2000 ? 1000 : 0;
  std::uniform_int_distribution<int32_t> random_id(first_id,
                                                   static_cast<int32_t>(config.vocab_size - 1));

  // Which kernels ran matters as much as the numbers (ENCORE_ISA may have lowered them).
  std::fprintf(stderr, "bench: CPU level %s, Highway target %s\n",
               std::string(jit::isa_level_name(jit::cpu_features().level)).c_str(),
               std::string(kernels::highway_target()).c_str());
  std::printf("seq,batch,threads,p50_ms,p90_ms,p99_ms,min_ms,max_ms\n");
  std::fflush(stdout);
  for (int64_t threads : thread_counts) {
    engine::Encoder encoder(model,
                            {.threads = static_cast<int>(threads), .max_batch_tokens = max_tokens});
    for (int64_t seq : seqs) {
      for (int64_t batch : batches) {
        std::vector<int32_t> ids(batch * seq);
        for (int32_t& id : ids) id = random_id(rng);
        const std::vector<int32_t> mask(ids.size(), 1);
        const engine::Batch input{batch, seq, ids, mask};
        std::fprintf(stderr,
                     "bench: seq %lld batch %lld threads %d: %lld warmup + %lld timed passes\n",
                     static_cast<long long>(seq), static_cast<long long>(batch), encoder.threads(),
                     static_cast<long long>(warmup), static_cast<long long>(iters));
        for (int64_t i = 0; i < warmup; ++i) encoder.forward(input);
        std::vector<double> ms;
        ms.reserve(static_cast<size_t>(iters));
        for (int64_t i = 0; i < iters; ++i) {
          const auto start = std::chrono::steady_clock::now();
          encoder.forward(input);
          const auto stop = std::chrono::steady_clock::now();
          ms.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
        }
        std::sort(ms.begin(), ms.end());
        std::printf("%lld,%lld,%d,%.3f,%.3f,%.3f,%.3f,%.3f\n", static_cast<long long>(seq),
                    static_cast<long long>(batch), encoder.threads(), percentile(ms, 0.5),
                    percentile(ms, 0.9), percentile(ms, 0.99), ms.front(), ms.back());
        std::fflush(stdout);
      }
    }
  }
  return 0;
}

}  // namespace encore::cli
