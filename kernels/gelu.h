// Exact (erf) GELU over an array: transformers' "gelu" activation, 0.5·x·(1 + erf(x/√2)).
#pragma once

#include <cstddef>

namespace encore::kernels {

// out[i] = gelu(in[i]) for i < n; in and out may be the same array.
// Max absolute error vs the float64 formula: 2.3e-7·|x| + 1 ulp (the error of Erf, erf-inl.h).
void gelu_f32(const float* in, float* out, size_t n);

}  // namespace encore::kernels
