// The per-row u8 activation format of the int8 GEMM (kernels/jit/quantized_rows.h):
// x ≈ scale · (q − zero_point), asymmetric, with the range widened to include 0 so 0 is exact.
// Header-only, so kernels that produce rows in this format (layer_norm_row_quantized) and the
// quantizer itself derive scale and zero point the same way, bit for bit.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace encore::kernels {

struct RowQuantization {
  float scale = 0.0f;    // (high − low) / 255
  float inverse = 0.0f;  // 1 / scale, or 0 for an all-zero row
  int32_t zero_point = 0;
};

// low ≤ 0 ≤ high: the row's min and max, each widened to include 0. Rounding is to nearest even
// (the default floating-point mode), as the quantizer rounds q = x · inverse + zero_point.
inline RowQuantization row_quantization(float low, float high) {
  RowQuantization row;
  row.scale = (high - low) / 255.0f;
  row.inverse = row.scale > 0.0f ? 1.0f / row.scale : 0.0f;
  row.zero_point = static_cast<int32_t>(std::clamp(std::nearbyint(-low * row.inverse), 0.0f, 255.0f));
  return row;
}

}  // namespace encore::kernels
