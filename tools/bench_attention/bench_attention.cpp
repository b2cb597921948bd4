// bench_attention: ns per (sequence, head) and GFLOP/s of the fused attention_head against the
// GEMM-based one it replaced (gemm_attention.h), measured alternately in one run on one pinned
// thread. A program that prints numbers, not a test.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "gemm_attention.h"
#include "kernels/attention.h"
#include "support/error.h"
#include "tools/bench_thread.h"
#include "tools/encore/args.h"

namespace encore::bench {
namespace {

struct AlignedFloats {
  explicit AlignedFloats(int64_t count)
      : data(static_cast<float*>(std::aligned_alloc(64, (count * 4 + 63) / 64 * 64))) {}
  ~AlignedFloats() { std::free(data); }
  AlignedFloats(const AlignedFloats&) = delete;
  AlignedFloats& operator=(const AlignedFloats&) = delete;
  float* data;
};

// Seconds per call of each body, sampled alternately (A, B, A, B, ...) so both see the same
// machine; each sample repeats its body for ≥ 0.3 ms so the timer's resolution does not matter.
struct Samples {
  std::vector<double> a, b;
};
Samples alternate(const std::function<void()>& a, const std::function<void()>& b, int reps) {
  a();  // warm caches and page in
  b();
  const auto inner_count = [](const std::function<void()>& body) {
    const double start = thread_cpu_seconds();
    body();
    return std::max(1, static_cast<int>(3e-4 / std::max(thread_cpu_seconds() - start, 1e-9)));
  };
  const int inner_a = inner_count(a), inner_b = inner_count(b);
  Samples samples;
  for (int rep = 0; rep < reps; ++rep) {
    double start = thread_cpu_seconds();
    for (int i = 0; i < inner_a; ++i) a();
    samples.a.push_back((thread_cpu_seconds() - start) / inner_a);
    start = thread_cpu_seconds();
    for (int i = 0; i < inner_b; ++i) b();
    samples.b.push_back((thread_cpu_seconds() - start) / inner_b);
  }
  return samples;
}

double quantile(std::vector<double> values, double q) {
  const size_t index = std::min(values.size() - 1, static_cast<size_t>(q * values.size()));
  std::nth_element(values.begin(), values.begin() + index, values.end());
  return values[index];
}

void bench_seq(int64_t seq, int64_t head_dim, int64_t padding_percent, int reps) {
  const int64_t ld = 3 * head_dim * 12;  // a head's slice of DistilBERT's fused QKV rows
  std::mt19937 rng(static_cast<unsigned>(seq));
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> qkv(seq * ld);
  for (float& v : qkv) v = normal(rng);
  std::vector<float> out(seq * head_dim * 12);
  const int64_t real = std::max<int64_t>(1, seq - seq * padding_percent / 100);
  std::vector<int32_t> mask(seq, 0);
  std::fill(mask.begin(), mask.begin() + real, 1);

  kernels::AttentionArgs args;
  args.q = qkv.data();
  args.k = args.q + 12 * head_dim;
  args.v = args.k + 12 * head_dim;
  args.ldq = args.ldk = args.ldv = ld;
  args.key_mask = padding_percent > 0 ? mask.data() : nullptr;
  args.out = out.data();
  args.ld_out = head_dim * 12;
  args.seq = seq;
  args.head_dim = head_dim;
  args.scale = 1.0f / std::sqrt(static_cast<float>(head_dim));

  AlignedFloats old_scratch(gemm_attention_scratch_floats(seq, head_dim));
  AlignedFloats new_scratch(kernels::attention_scratch_floats(seq, head_dim));
  const Samples s = alternate([&] { gemm_attention_head(args, old_scratch.data); },
                              [&] { kernels::attention_head(args, new_scratch.data); }, reps);
  // Useful work: Q·Kᵀ and P·V over every (query, key) pair, 2 flops per multiply-add.
  const double flops = 4.0 * static_cast<double>(seq * seq * head_dim);
  const double old_median = quantile(s.a, 0.5), new_median = quantile(s.b, 0.5);
  std::printf("%5lld %12.0f %12.0f %8.1f %12.0f %12.0f %8.1f %8.2fx\n",
              static_cast<long long>(seq), old_median * 1e9, quantile(s.a, 0.99) * 1e9,
              flops / old_median * 1e-9, new_median * 1e9, quantile(s.b, 0.99) * 1e9,
              flops / new_median * 1e-9, old_median / new_median);
  std::fflush(stdout);
}

int run(int argc, char** argv) {
  cli::Args args("bench_attention", "bench_attention [--seq 8,16,...] [--head-dim 64]",
                 "Single-thread time per (sequence, head) of attention_head (fused) and of the\n"
                 "GEMM-based attention it replaced, sampled alternately in one run; thread CPU\n"
                 "time, median and p99 of the samples.");
  args.option("seq", "LIST", "sequence lengths", "8,16,32,64,128,256,384,512")
      .option("head-dim", "N", "head dimension", "64")
      .option("padding", "PERCENT", "masked (padded) keys at the end of each sequence", "0")
      .option("reps", "N", "timed samples per implementation and length", "101")
      .option("cpu", "N", "CPU to pin the benchmark thread to", "0");
  if (!args.parse(argc, argv)) return args.exit_code();
  const std::vector<int64_t> seqs = args.get_int_list("seq", 1, 4096);
  const int64_t head_dim = args.get_int("head-dim", 1, 512);
  const int64_t padding = args.get_int("padding", 0, 99);
  const int reps = static_cast<int>(args.get_int("reps", 1, 100000));
  pin_to_cpu(static_cast<int>(args.get_int("cpu", 0, CPU_SETSIZE - 1)));

  std::printf("head_dim %lld, %lld%% padded keys, 1 thread, %d alternating samples each\n",
              static_cast<long long>(head_dim), static_cast<long long>(padding), reps);
  std::printf("%5s %12s %12s %8s %12s %12s %8s %9s\n", "seq", "gemm ns", "gemm p99", "GFLOP/s",
              "fused ns", "fused p99", "GFLOP/s", "speedup");
  for (const int64_t seq : seqs) bench_seq(seq, head_dim, padding, reps);
  return 0;
}

}  // namespace
}  // namespace encore::bench

int main(int argc, char** argv) {
  try {
    return encore::bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_attention: %s\n", e.what());
    return 1;
  }
}
