// AVX512_BF16 code converting one fp32 row to bf16 (vcvtneps2bf16: round to nearest even, like
// float_to_bf16), 16 floats per step and a masked K tail. The instruction treats denormal inputs
// as zero, which is also what the vdpbf16ps GEMM does with denormal bf16 operands.
#pragma once

#include <cstdint>

namespace encore::jit {

struct Bf16RowArgs {
  const float* x = nullptr;
  uint16_t* out = nullptr;
  int64_t k = 0;
};

using Bf16RowFn = void (*)(const Bf16RowArgs*);

// Generated on first use, kept for the process. Callers check cpu_features(): level >= avx512
// and has_bf16.
Bf16RowFn bf16_row_kernel();

}  // namespace encore::jit
