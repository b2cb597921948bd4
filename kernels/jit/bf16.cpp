#include "kernels/jit/bf16.h"

#include <bit>
#include <cmath>

#include "kernels/jit/bf16_row_emitter.h"
#include "kernels/jit/cpu_features.h"
#include "kernels/jit/panel_layout.h"

namespace encore::jit {

uint16_t float_to_bf16(float value) {
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  if (std::isnan(value)) return static_cast<uint16_t>((bits >> 16) | 0x40);  // keep it a quiet NaN
  const uint32_t rounding = 0x7FFF + ((bits >> 16) & 1);                     // ties to even
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

float bf16_to_float(uint16_t value) {
  return std::bit_cast<float>(uint32_t{value} << 16);
}

void shape_bf16_rows(size_t m, size_t k, Bf16Rows& out) {
  out.m = m;
  out.k = k;
  out.stride = round_up(k, kBf16KGroup);
  out.data.resize(m * out.stride);
}

void convert_row_range_to_bf16(const float* x, size_t x_stride, size_t first, size_t end,
                               Bf16Rows& out) {
  // The bf16 GEMM runs only where the vector conversion exists; below, the scalar one serves tests.
  const CpuFeatures& cpu = cpu_features();
  const Bf16RowFn convert_row =
      cpu.level >= IsaLevel::avx512 && cpu.has_bf16 ? bf16_row_kernel() : nullptr;
  for (size_t row = first; row < end; ++row) {
    uint16_t* to = out.data.data() + row * out.stride;
    const float* from = x + row * x_stride;
    if (convert_row) {
      const Bf16RowArgs args{from, to, static_cast<int64_t>(out.k)};
      convert_row(&args);
    } else {
      for (size_t i = 0; i < out.k; ++i) to[i] = float_to_bf16(from[i]);
    }
    if (out.stride > out.k) to[out.k] = 0;  // the zero pad of an odd K
  }
}

void convert_rows_to_bf16(const float* x, size_t m, size_t k, size_t x_stride, Bf16Rows& out) {
  shape_bf16_rows(m, k, out);
  convert_row_range_to_bf16(x, x_stride, 0, m, out);
}

}  // namespace encore::jit
