// bench_kernels: throughput of the JIT GEMMs on the DistilBERT shapes, as a fraction of the
// compute roof measured in the same run (peak_loop.h). A program that prints numbers, not a test.
// --cold rotates each call through enough copies of the weights (kColdBytes) that they come from
// memory, as in a batch-1 forward pass, instead of from cache.

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "kernels/jit/cpu_features.h"
#include "kernels/jit/gemm.h"
#include "kernels/layer_norm.h"
#include "peak_loop.h"
#include "support/error.h"
#include "tools/bench_thread.h"
#include "tools/encore/args.h"

namespace encore::bench {
namespace {

struct Shape {
  size_t n, k;
};
constexpr Shape kShapes[] = {{768, 768}, {2304, 768}, {3072, 768}, {768, 3072}};
constexpr size_t kColdBytes = size_t{256} << 20;  // well beyond any last-level cache here

// 1 copy of `packed` (warm), or as many as fill kColdBytes (cold): calls rotate through them.
template <class Packed>
std::vector<Packed> weight_copies(Packed packed, bool cold) {
  const size_t count = cold ? std::max<size_t>(2, kColdBytes / packed.panels.size()) : 1;
  std::vector<Packed> copies;
  copies.reserve(count);
  for (size_t i = 1; i < count; ++i) {
    Packed copy{packed.n, packed.k, jit::AlignedBuffer(packed.panels.size())};
    std::copy_n(packed.panels.data(), packed.panels.size(), copy.panels.data());
    copies.push_back(std::move(copy));
  }
  copies.push_back(std::move(packed));
  return copies;
}

// Median thread-CPU seconds per call of `body`: each rep repeats it for at least ~0.5 ms so the
// timer's resolution does not matter; the median discards reps disturbed by other processes.
double median_seconds(const std::function<void()>& body, int reps) {
  body();  // warm caches, page in, JIT on first use
  double start = thread_cpu_seconds();
  body();
  const double once = thread_cpu_seconds() - start;
  const int inner = std::max(1, static_cast<int>(5e-4 / std::max(once, 1e-9)));
  std::vector<double> samples;
  for (int rep = 0; rep < reps; ++rep) {
    start = thread_cpu_seconds();
    for (int i = 0; i < inner; ++i) body();
    samples.push_back((thread_cpu_seconds() - start) / inner);
  }
  std::nth_element(samples.begin(), samples.begin() + reps / 2, samples.end());
  return samples[reps / 2];
}

double peak_ops_per_second(const PeakLoop& loop, int reps) {
  constexpr int64_t kIterations = 20000;
  double ops = 0;
  const double seconds = median_seconds([&] { ops = loop.run(kIterations); }, reps);
  return ops / seconds;
}

std::vector<float> random_floats(size_t count, uint32_t seed) {
  std::mt19937 random(seed);
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  std::vector<float> values(count);
  for (float& v : values) v = value(random);
  return values;
}

// GB/s: the weights' bytes (bytes_per_weight each) per second, the figure that matters --cold.
void print_row(const char* precision, size_t m, Shape shape, double seconds, double peak,
               double bytes_per_weight) {
  const double ops = 2.0 * static_cast<double>(m * shape.n * shape.k);
  const double rate = ops / seconds;
  const double weight_bytes = bytes_per_weight * static_cast<double>(shape.n * shape.k);
  std::printf("%-6s %5zu %5zu %5zu %10.3f %9.1f %9.1f %6.1f%% %7.1f\n", precision, m, shape.n,
              shape.k, seconds * 1e3, rate * 1e-9, peak * 1e-9, 100.0 * rate / peak,
              weight_bytes / seconds * 1e-9);
  std::fflush(stdout);
}

// One row per (shape, M): the roof, then the GEMM that make_call(shape, m, cold) prepares.
using MakeCall = std::function<std::function<void()>(Shape shape, size_t m, bool cold)>;

void bench_rows(const char* precision, PeakInstruction roof, double bytes_per_weight,
                const std::vector<int64_t>& ms, int reps, bool cold, const MakeCall& make_call) {
  const PeakLoop peak_loop(roof);
  for (const Shape shape : kShapes) {
    for (const int64_t m : ms) {
      const std::function<void()> call = make_call(shape, static_cast<size_t>(m), cold);
      const double peak = peak_ops_per_second(peak_loop, reps);
      print_row(precision, static_cast<size_t>(m), shape, median_seconds(call, reps), peak,
                bytes_per_weight);
    }
  }
}

// Operands live in the returned closure (shared_ptr: std::function needs a copyable callable).
std::function<void()> int8_call(Shape shape, size_t m, bool cold) {
  struct Operands {
    std::vector<jit::PackedInt8Weights> w;
    jit::QuantizedRows a;
    std::vector<float> c;
    jit::Int8Gemm gemm;
    size_t next = 0;
  };
  const std::vector<float> w = random_floats(shape.n * shape.k, 1);
  const std::vector<float> bias = random_floats(shape.n, 2);
  const std::vector<float> x = random_floats(m * shape.k, 3);
  auto ops = std::make_shared<Operands>(
      Operands{weight_copies(jit::pack_int8_weights(w.data(), bias.data(), shape.n, shape.k), cold),
               {},
               std::vector<float>(m * shape.n),
               jit::Int8Gemm(m, shape.n, shape.k, {})});
  jit::quantize_rows(x.data(), m, shape.k, shape.k, ops->a);
  return [ops, shape] {
    ops->gemm.run(ops->a, ops->w[ops->next], {ops->c.data(), shape.n});
    ops->next = (ops->next + 1) % ops->w.size();
  };
}

std::function<void()> f32_call(Shape shape, size_t m, bool cold) {
  struct Operands {
    std::vector<jit::PackedF32Weights> w;
    std::vector<float> a, c;
    jit::F32Gemm gemm;
    size_t next = 0;
  };
  const std::vector<float> w = random_floats(shape.n * shape.k, 1);
  const std::vector<float> bias = random_floats(shape.n, 2);
  auto ops = std::make_shared<Operands>(
      Operands{weight_copies(jit::pack_f32_weights(w.data(), bias.data(), shape.n, shape.k), cold),
               random_floats(m * shape.k, 3), std::vector<float>(m * shape.n),
               jit::F32Gemm(m, shape.n, shape.k, {})});
  return [ops, shape] {
    ops->gemm.run(ops->a.data(), shape.k, ops->w[ops->next], {ops->c.data(), shape.n});
    ops->next = (ops->next + 1) % ops->w.size();
  };
}

std::function<void()> bf16_call(Shape shape, size_t m, bool cold) {
  struct Operands {
    std::vector<jit::PackedBf16Weights> w;
    jit::Bf16Rows a;
    std::vector<float> c;
    jit::Bf16Gemm gemm;
    size_t next = 0;
  };
  const std::vector<float> w = random_floats(shape.n * shape.k, 1);
  const std::vector<float> bias = random_floats(shape.n, 2);
  const std::vector<float> x = random_floats(m * shape.k, 3);
  auto ops = std::make_shared<Operands>(
      Operands{weight_copies(jit::pack_bf16_weights(w.data(), bias.data(), shape.n, shape.k), cold),
               {},
               std::vector<float>(m * shape.n),
               jit::Bf16Gemm(m, shape.n, shape.k, {})});
  jit::convert_rows_to_bf16(x.data(), m, shape.k, shape.k, ops->a);
  return [ops, shape] {
    ops->gemm.run(ops->a, ops->w[ops->next], {ops->c.data(), shape.n});
    ops->next = (ops->next + 1) % ops->w.size();
  };
}

// The per-row activation quantization that precedes every int8 GEMM, for scale.
void bench_quantize(const std::vector<int64_t>& ms, int reps) {
  for (const size_t k : {768, 3072}) {
    for (const int64_t m : ms) {
      const std::vector<float> x = random_floats(static_cast<size_t>(m) * k, 4);
      jit::QuantizedRows a;
      const double seconds = median_seconds(
          [&] { jit::quantize_rows(x.data(), static_cast<size_t>(m), k, k, a); }, reps);
      std::printf("quantize_rows M=%-4lld K=%-5zu %8.2f us\n", static_cast<long long>(m), k,
                  seconds * 1e6);
    }
  }
}

// A LayerNorm feeding a smoothed int8 Linear, two ways: LayerNorm, then quantize_row_range with
// the column scale (a second sweep plus a scaled copy per row), or layer_norm_row_quantized (one
// call per row). Both give the same bytes.
void bench_layer_norm_quantize(const std::vector<int64_t>& ms, int reps) {
  const size_t k = 768;
  const std::vector<float> gamma = random_floats(k, 5), beta = random_floats(k, 6);
  std::vector<float> column_scale = random_floats(k, 7);
  for (float& s : column_scale) s = 1.0f + 0.5f * s;
  for (const int64_t m : ms) {
    const size_t rows = static_cast<size_t>(m);
    const std::vector<float> x = random_floats(rows * k, 4);
    std::vector<float> out(rows * k);
    jit::QuantizedRows a;
    jit::shape_quantized_rows(rows, k, a);
    const double separate = median_seconds(
        [&] {
          for (size_t t = 0; t < rows; ++t) {
            kernels::layer_norm_row(x.data() + t * k, nullptr, gamma.data(), beta.data(),
                                    out.data() + t * k, k, 1e-12f);
          }
          jit::quantize_row_range(out.data(), k, 0, rows, column_scale.data(), a);
        },
        reps);
    const double fused = median_seconds(
        [&] {
          for (size_t t = 0; t < rows; ++t) {
            kernels::layer_norm_row_quantized(
                x.data() + t * k, nullptr, gamma.data(), beta.data(), out.data() + t * k, k, 1e-12f,
                column_scale.data(), a.data.data() + t * a.stride, &a.scale[t], &a.zero_point[t]);
          }
        },
        reps);
    std::printf(
        "layer_norm + quantize (smoothed) M=%-4lld K=%-5zu separate %8.2f us, fused %8.2f us\n",
        static_cast<long long>(m), k, separate * 1e6, fused * 1e6);
  }
}

int run(int argc, char** argv) {
  cli::Args args(
      "bench_kernels", "bench_kernels [--precision int8|fp32|bf16|all] [--m 8,64,128,512]",
      "Single-thread throughput of the JIT GEMMs on DistilBERT's linear shapes, with the\n"
      "fraction of the vpdpbusd / vfmadd231ps / vdpbf16ps roof measured just before each row\n"
      "(thread CPU time: time spent descheduled on a shared machine is not counted).\n"
      "--cold streams the weights from memory (a batch-1 forward pass) instead of cache.");
  args.option("precision", "P", "int8, fp32, bf16 or all", "all")
      .option("m", "LIST", "rows of A (tokens) to measure", "8,64,128,512")
      .option("reps", "N", "timed repetitions per row (the median is printed)", "101")
      .option("cpu", "N", "CPU to pin the benchmark thread to", "0")
      .flag("cold", "rotate through 256 MB of weight copies so every call reads them from memory");
  if (!args.parse(argc, argv)) return args.exit_code();
  const std::string precision = args.get("precision");
  if (precision != "int8" && precision != "fp32" && precision != "bf16" && precision != "all") {
    throw_error("--precision '", precision, "': expected int8, fp32, bf16 or all");
  }
  const std::vector<int64_t> ms = args.get_int_list("m", 1, 4096);
  const int reps = static_cast<int>(args.get_int("reps", 1, 100000));
  const bool cold = args.has("cold");
  pin_to_cpu(static_cast<int>(args.get_int("cpu", 0, CPU_SETSIZE - 1)));

  const jit::CpuFeatures& features = jit::cpu_features();
  std::printf("ISA level %s (CPU %s), 1 thread, median of %d reps, weights %s\n",
              std::string(jit::isa_level_name(features.level)).c_str(),
              std::string(jit::isa_level_name(features.detected)).c_str(), reps,
              cold ? "from memory (--cold)" : "in cache");
  std::printf("%-6s %5s %5s %5s %10s %9s %9s %7s %7s\n", "prec", "M", "N", "K", "ms/call",
              "GOP/s", "peak", "of peak", "W GB/s");
  auto wanted = [&](const char* name) { return precision == "all" || precision == name; };
  if (wanted("int8")) {
    if (features.level < jit::IsaLevel::avx512_vnni) {
      std::printf("int8: skipped, needs avx512_vnni\n");
    } else {
      bench_rows("int8", PeakInstruction::vpdpbusd, 1, ms, reps, cold, int8_call);
      bench_quantize(ms, reps);
      bench_layer_norm_quantize(ms, reps);
    }
  }
  if (wanted("fp32")) {
    if (features.level < jit::IsaLevel::avx512) {
      std::printf("fp32: skipped, needs avx512\n");
    } else {
      bench_rows("fp32", PeakInstruction::vfmadd231ps, 4, ms, reps, cold, f32_call);
    }
  }
  if (wanted("bf16")) {
    if (features.level < jit::IsaLevel::avx512 || !features.has_bf16) {
      std::printf("bf16: skipped, needs avx512 with AVX512_BF16\n");
    } else {
      bench_rows("bf16", PeakInstruction::vdpbf16ps, 2, ms, reps, cold, bf16_call);
    }
  }
  return 0;
}

}  // namespace
}  // namespace encore::bench

int main(int argc, char** argv) {
  try {
    return encore::bench::run(argc, argv);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_kernels: %s\n", error.what());
    return 1;
  }
}
