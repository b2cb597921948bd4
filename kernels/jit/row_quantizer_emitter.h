// AVX-512 code for the per-row activation quantizer (quantized_rows.h): one generated function for
// a row's range and one for its quantization. K is a run-time argument; the K tail is masked.
#pragma once

#include <cstdint>

namespace encore::jit {

struct RowRangeArgs {
  const float* x = nullptr;
  int64_t k = 0;
  float* lanes = nullptr;  // out: 16 lane minima (all <= 0), then 16 lane maxima (all >= 0)
};

struct QuantizeRowArgs {
  const float* x = nullptr;
  uint8_t* q = nullptr;
  int64_t k = 0;
  float inverse_scale = 0;
  int32_t zero_point = 0;
};

using RowRangeFn = void (*)(const RowRangeArgs*);
// q[i] = clamp(round_nearest_even(x[i] * inverse_scale) + zero_point, 0, 255).
using QuantizeRowFn = void (*)(const QuantizeRowArgs*);

// Generated on first use, kept for the process. Callers check cpu_features().level >= avx512.
RowRangeFn row_range_kernel();
QuantizeRowFn quantize_row_kernel();

}  // namespace encore::jit
