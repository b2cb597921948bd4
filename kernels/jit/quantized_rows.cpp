#include "kernels/jit/quantized_rows.h"

#include <algorithm>
#include <cmath>

#include "kernels/jit/panel_layout.h"

namespace encore::jit {

void quantize_rows(const float* x, size_t m, size_t k, size_t x_stride, QuantizedRows& out) {
  out.m = m;
  out.k = k;
  out.stride = round_up(k, kInt8KGroup);
  out.data.assign(m * out.stride, 0);
  out.scale.resize(m);
  out.zero_point.resize(m);
  for (size_t row = 0; row < m; ++row) {
    const float* in = x + row * x_stride;
    float low = 0.0f;
    float high = 0.0f;
    for (size_t i = 0; i < k; ++i) {
      low = std::min(low, in[i]);
      high = std::max(high, in[i]);
    }
    const float scale = (high - low) / 255.0f;
    const float inverse = scale > 0.0f ? 1.0f / scale : 0.0f;
    const int32_t zero_point =
        scale > 0.0f ? static_cast<int32_t>(std::clamp(std::nearbyint(-low * inverse), 0.0f, 255.0f))
                     : 0;
    out.scale[row] = scale;
    out.zero_point[row] = zero_point;
    uint8_t* q = out.data.data() + row * out.stride;
    for (size_t i = 0; i < k; ++i) {
      const float value = std::nearbyint(in[i] * inverse) + static_cast<float>(zero_point);
      q[i] = static_cast<uint8_t>(std::clamp(value, 0.0f, 255.0f));
    }
  }
}

}  // namespace encore::jit
