// LayerNorm of one row, optionally fused with the residual add that precedes it in a
// post-LayerNorm transformer block: out = (v - mean(v)) / sqrt(var(v) + eps) · gamma + beta,
// where v = x + residual (or v = x when residual is null).
#pragma once

#include <cstddef>
#include <cstdint>

namespace encore::kernels {

// x, residual, gamma, beta, out: `dim` floats each. out may alias x (in place); residual may be
// null. Two passes for mean then variance (no catastrophic cancellation), four float accumulators
// per lane. Max error vs float64 LayerNorm: ~4 ulp · |gamma|·|normalized v| + 1 ulp of beta, for
// dim ≤ 4096.
void layer_norm_row(const float* x, const float* residual, const float* gamma, const float* beta,
                    float* out, size_t dim, float eps);

// layer_norm_row, which also writes `out` quantized for the int8 GEMM in the same sweep:
// q[i] = clamp(round(s[i] / scale) + zero_point, 0, 255) with s = out · column_scale (SmoothQuant's
// per-column activation factor; s = out when column_scale is null), scale and zero point from s's
// range widened to include 0 (row_quantization.h). Bit-identical to jit::quantize_row_range on
// `out` with the same column_scale, so the engine can hand q, scale and zero point to the int8
// GEMM as one row of a QuantizedRows (writes `dim` bytes of q: the row's padding up to a multiple
// of 4 is the caller's).
void layer_norm_row_quantized(const float* x, const float* residual, const float* gamma,
                              const float* beta, float* out, size_t dim, float eps,
                              const float* column_scale, uint8_t* q, float* scale,
                              int32_t* zero_point);

}  // namespace encore::kernels
