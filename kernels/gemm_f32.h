// fp32 GEMM with a pre-packed B and a fused epilogue:
//
//     C[m, n] = epilogue(A[m, k] · B[n, k]ᵀ + bias[n])
//
// B is a PyTorch Linear weight [out_features, in_features] packed once with gemm_packed_b.h.
// Portable (Google Highway, dispatched at run time to the best compiled target); blocked for the
// caches: KC deep k-slices of a 16-wide B panel stay in L1 while MC rows of A stream from L2.
#pragma once

#include <cstdint>

namespace encore::kernels {

enum class Epilogue {
  kNone,
  kRelu,      // max(x, 0)
  kGelu,      // exact erf GELU (gelu-inl.h)
  kResidual,  // x + residual[m, n], added after the bias (as in `linear(x) + x`)
};

struct GemmArgs {
  const float* a = nullptr;  // A [m, k], row-major, row stride lda
  int64_t lda = 0;
  const float* packed_b = nullptr;  // B [n, k] in the panel layout of gemm_packed_b.h
  const float* bias = nullptr;      // [n], or null for none
  float* c = nullptr;               // C [m, n], row stride ldc; must not overlap A or B
  int64_t ldc = 0;
  int64_t m = 0, n = 0, k = 0;
  Epilogue epilogue = Epilogue::kNone;
  const float* residual =
      nullptr;  // [m, n], row stride ldr, for Epilogue::kResidual; may not alias C
  int64_t ldr = 0;
};

// Computes rows [m_begin, m_end) × panels [panel_begin, panel_end) of C (a panel is 16 columns of
// C; see panel_count). Disjoint blocks may run concurrently on different threads.
// Valid for any m, n, k ≥ 0 (k = 0 gives epilogue(bias)). Accumulates in fp32 in k order, through
// C between k-blocks: each output is within k·2⁻²⁴·Σ|a·b| of the exact product (+ epilogue error).
void gemm_f32(const GemmArgs& args, int64_t m_begin, int64_t m_end, int64_t panel_begin,
              int64_t panel_end);

// The whole of C on the calling thread.
void gemm_f32(const GemmArgs& args);

}  // namespace encore::kernels
