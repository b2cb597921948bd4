// One Linear layer, y = act(x·Wᵀ + b) (+ residual), whatever kernel runs it: which kernel a
// precision gets on this CPU, packing for it, and running it over the thread pool.
//
//   precision \ level   avx512_vnni        avx512 (F)         portable (no AVX-512)
//   int8                jit_int8 (VNNI)    jit_f32 *          highway_f32 *
//   bf16                jit_bf16 **        jit_bf16 **        highway_f32 *
//   fp32                jit_f32            jit_f32            highway_f32
//
//   *  int8 needs VNNI and bf16 needs AVX-512: below, the layer runs in fp32 (exact, slower),
//      and the Encoder says so once on stderr.
//   ** jit_f32 when the CPU lacks AVX512_BF16.
//   jit_int8 with PackedLinear::split_rows: ~16-bit activations (two u8 rows per row) through the
//   same int8 weights, a raw int32 GEMM over 2·rows rows combined by engine/split_int8.h.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <tuple>
#include <vector>

#include "engine/packed_model.h"
#include "engine/thread_pool.h"
#include "kernels/jit/gemm.h"

namespace encore::engine {

// The kernel family; the value is PackedLinear::weights' alternative index.
enum class LinearKernel : uint8_t { kHighwayF32 = 1, kJitF32 = 2, kJitBf16 = 3, kJitInt8 = 4 };

std::string_view linear_kernel_name(LinearKernel kernel);  // "highway_f32", "jit_f32", ...
std::optional<LinearKernel> parse_linear_kernel(std::string_view name);
LinearKernel linear_kernel(const PackedLinear& linear);  // throws on an empty one

// The kernel `precision` runs on at `level` (table above).
LinearKernel kernel_for(Precision precision, jit::IsaLevel level, bool has_bf16);
// Whether this process can run `kernel` at the level in use (cpu_features()).
bool can_run(LinearKernel kernel);

// Packs W [n, k] row-major (PyTorch layout) and bias [n] (may be null) for `kernel`.
// smoothing (jit_int8 only; k factors, or empty): W's column j is multiplied by smoothing[j] and
// the activations by 1 / smoothing[j] at run time, which moves outlier channels' range from the
// activations (quantized per row) into the weights (quantized per output channel).
PackedLinear pack_linear(LinearKernel kernel, const float* weight, const float* bias, int64_t n,
                         int64_t k, std::span<const float> smoothing = {});

// The SmoothQuant factors an int8 Linear's activations are multiplied by before quantization
// (in_features floats), or null.
const float* smoothing_scale(const PackedLinear& linear);

enum class LinearActivation : uint8_t { kNone, kRelu, kGelu };

struct LinearCall {
  const float* x = nullptr;  // [rows, in_features], row stride x_stride
  int64_t x_stride = 0;
  int64_t rows = 0;
  float* y = nullptr;  // [rows, out_features], row stride y_stride
  int64_t y_stride = 0;
  LinearActivation activation = LinearActivation::kNone;
  const float* residual = nullptr;  // added after the activation; must not alias y
  int64_t residual_stride = 0;
  // The Linear that runs next, or null: an int8 GEMM prefetches each thread's first block of its
  // weights while finishing its own (jit::NextWeights), so it does not start waiting on memory.
  const PackedLinear* next = nullptr;
  // The u8 rows were already written into LinearRunner::rows_to_prequantize (by a LayerNorm that
  // quantizes as it normalizes); x is then read only by the caller (e.g. the calibration tap).
  bool prequantized = false;
};

// Runs Linear layers for one Encoder: keeps the activation buffers (quantized / bf16 rows) and
// the JIT GEMM plans per shape, so a forward pass of a shape seen before does not allocate.
// Not thread-safe: one per Encoder; each run() spreads its work over the pool.
class LinearRunner {
 public:
  // Generates, ahead of any request, the code every row count will need for this Linear called
  // this way (JIT kernels differ only by their row block, 1..6 rows), so no forward pass waits for
  // code generation or allocates for it.
  void prepare(const PackedLinear& linear, LinearActivation activation, bool residual);
  void run(ThreadPool& pool, const PackedLinear& linear, const LinearCall& call);
  // When `linear` runs on per-row u8 activations (jit_int8, not split rows): the QuantizedRows its
  // next run() reads, shaped for `rows` × in_features, for a producer to fill (rows scaled by
  // smoothing_scale(linear), padding bytes zero) before run() with call.prequantized. Else null.
  // Valid until the next run() of any Linear.
  jit::QuantizedRows* rows_to_prequantize(const PackedLinear& linear, int64_t rows);

 private:
  void run_split_int8(ThreadPool& pool, const PackedLinear& linear, const LinearCall& call);

  using PlanKey = std::tuple<int64_t, int64_t, int64_t, LinearActivation, bool>;  // m n k act res
  // The plans of the last kSlots shapes, replaced round robin: fixed storage, no allocation.
  // kRawInt32: plans for Int8Gemm::run_raw.
  template <class Gemm, bool kRawInt32 = false>
  struct PlanCache {
    static constexpr size_t kSlots = 48;
    std::array<std::optional<std::pair<PlanKey, Gemm>>, kSlots> slots;
    size_t next = 0;
    const Gemm& get(const PlanKey& key);
  };

  PlanCache<jit::Int8Gemm> int8_plans_;
  // Split-row int8 (PackedLinear::split_rows): raw int32 GEMMs over 2·rows rows, keyed with
  // kNone / no residual (the activation and residual are applied when the parts are combined).
  PlanCache<jit::Int8Gemm, true> split_plans_;
  std::vector<int32_t> split_sums_;  // [2·rows, n]
  PlanCache<jit::F32Gemm> f32_plans_;
  PlanCache<jit::Bf16Gemm> bf16_plans_;
  jit::QuantizedRows quantized_;
  jit::Bf16Rows bf16_rows_;
};

}  // namespace encore::engine
