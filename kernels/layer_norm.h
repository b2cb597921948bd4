// LayerNorm of one row, optionally fused with the residual add that precedes it in a
// post-LayerNorm transformer block: out = (v - mean(v)) / sqrt(var(v) + eps) · gamma + beta,
// where v = x + residual (or v = x when residual is null).
#pragma once

#include <cstddef>

namespace encore::kernels {

// x, residual, gamma, beta, out: `dim` floats each. out may alias x (in place); residual may be
// null. Two passes for mean then variance (no catastrophic cancellation), float accumulation per
// lane. Max error vs float64 LayerNorm: ~4 ulp · |gamma|·|normalized v| + 1 ulp of beta, for dim ≤
// 4096.
void layer_norm_row(const float* x, const float* residual, const float* gamma, const float* beta,
                    float* out, size_t dim, float eps);

}  // namespace encore::kernels
