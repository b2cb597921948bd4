// Public entry points of the JIT GEMMs: C[M, N] = epilogue(A[M, K] . W^T + bias) with W packed by
// packed_weights.h. An Int8Gemm / F32Gemm is planned and compiled once per (M, N, K, epilogue) and
// then run any number of times, from any number of threads, each on its own range of panels.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/jit/bf16.h"
#include "kernels/jit/gemm_plan.h"
#include "kernels/jit/packed_weights.h"
#include "kernels/jit/quantized_rows.h"

namespace encore::jit {

// Where the result goes. Strides in elements. residual (same shape as C) is read only when the
// epilogue has residual_add; it must not alias c (long-K fp32 keeps partial sums in c).
struct GemmOutput {
  float* c = nullptr;
  size_t c_stride = 0;
  const float* residual = nullptr;
  size_t residual_stride = 0;
};

// A run of 64-lane weight panels: output columns [64 first, min(N, 64 (first + count))).
struct PanelRange {
  size_t first = 0;
  size_t count = SIZE_MAX;  // to the last panel
};

// Weights the GEMM after this one will read first (its first block of panels, for this thread):
// an int8 or bf16 GEMM that prefetches ahead (GemmPlan::lookahead_lines) fetches them into L2 while the
// rows pass over its own last block, so the next GEMM does not start by waiting on memory.
struct NextWeights {
  const void* data = nullptr;
  size_t bytes = 0;
};

// Slice `part` of `parts` near-equal slices of panel_count panels: give each thread one, so each
// core streams only its own share of the weights (the small-M case, where weights dominate).
PanelRange split_panels(size_t panel_count, size_t part, size_t parts);

// Shared driver: the loop over cache blocks of panels and row blocks around the micro-kernels.
class JitGemm {
 public:
  const GemmPlan& plan() const { return plan_; }

 protected:
  JitGemm(GemmPrecision precision, size_t m, size_t n, size_t k, const Epilogue& epilogue);
  // base.a, a_stride, panels (panel 0), c (column 0), residual, row_scale/zero_point: row 0.
  void run_panels(const GemmKernelArgs& base, size_t panel_bytes, PanelRange range,
                  NextWeights next = {}) const;
  void check_output(const GemmOutput& out) const;

  GemmPlan plan_;
  GemmKernelFn kernels_[4][2][2] = {};  // as plan_.kernels
};

// int8: A quantized per row (quantize_rows), W per channel (pack_int8_weights). Needs avx512_vnni.
class Int8Gemm : public JitGemm {
 public:
  Int8Gemm(size_t m, size_t n, size_t k, const Epilogue& epilogue);
  void run(const QuantizedRows& a, const PackedInt8Weights& w, const GemmOutput& out,
           PanelRange range = {}, NextWeights next = {}) const;
  // Epilogue raw_int32 only: the bare accumulators sum_k a_u8 * w_s8 (no zero point, no scale).
  void run_raw(const QuantizedRows& a, const PackedInt8Weights& w, int32_t* c, size_t c_stride,
               PanelRange range = {}) const;

 private:
  void check(const QuantizedRows& a, const PackedInt8Weights& w, bool raw) const;
};

// fp32: A row-major with a_stride floats per row, W packed by pack_f32_weights. Needs avx512.
class F32Gemm : public JitGemm {
 public:
  F32Gemm(size_t m, size_t n, size_t k, const Epilogue& epilogue);
  void run(const float* a, size_t a_stride, const PackedF32Weights& w, const GemmOutput& out,
           PanelRange range = {}) const;
};

// bf16 x bf16 with fp32 accumulation (vdpbf16ps): A converted by convert_rows_to_bf16, W packed by
// pack_bf16_weights. Needs avx512 and the AVX512_BF16 extension (cpu_features().has_bf16).
class Bf16Gemm : public JitGemm {
 public:
  Bf16Gemm(size_t m, size_t n, size_t k, const Epilogue& epilogue);
  void run(const Bf16Rows& a, const PackedBf16Weights& w, const GemmOutput& out,
           PanelRange range = {}, NextWeights next = {}) const;
};

}  // namespace encore::jit
