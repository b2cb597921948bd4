#include "engine/split_int8.h"

#include <algorithm>
#include <cstring>

#include "kernels/gelu.h"
#include "kernels/jit/panel_layout.h"

namespace encore::engine {

void combine_split_int8(const int32_t* raw, size_t raw_stride, const jit::QuantizedRows& rows,
                        const jit::PackedInt8Weights& w, jit::PanelRange range,
                        jit::Activation activation, const jit::GemmOutput& out) {
  using Layout = jit::Int8PanelLayout;
  const size_t m = rows.m / 2;
  const size_t first = std::min(range.first, w.panel_count());
  const size_t end = first + std::min(range.count, w.panel_count() - first);
  int32_t colsum[jit::kPanelLanes];
  float scale[jit::kPanelLanes], bias[jit::kPanelLanes];
  for (size_t panel = first; panel < end; ++panel) {
    const std::byte* header = w.panel(panel);
    std::memcpy(colsum, header + Layout::colsum_offset, sizeof colsum);
    std::memcpy(scale, header + Layout::scale_offset, sizeof scale);
    std::memcpy(bias, header + Layout::bias_offset, sizeof bias);
    const size_t column = panel * jit::kPanelLanes;
    const size_t lanes = std::min(jit::kPanelLanes, w.n - column);
    for (size_t r = 0; r < m; ++r) {
      const int32_t* hi = raw + r * raw_stride + column;
      const int32_t* lo = raw + (m + r) * raw_stride + column;
      const float hi_scale = rows.scale[r], lo_scale = rows.scale[m + r];
      const int32_t hi_zero = rows.zero_point[r], lo_zero = rows.zero_point[m + r];
      float* c = out.c + r * out.c_stride + column;
      for (size_t n = 0; n < lanes; ++n) {
        const float sum = hi_scale * static_cast<float>(hi[n] - hi_zero * colsum[n]) +
                          lo_scale * static_cast<float>(lo[n] - lo_zero * colsum[n]);
        c[n] = sum * scale[n] + bias[n];
      }
      if (activation == jit::Activation::relu) {
        for (size_t n = 0; n < lanes; ++n) c[n] = std::max(c[n], 0.0f);
      } else if (activation == jit::Activation::gelu_erf) {
        kernels::gelu_f32(c, c, lanes);
      }
      if (out.residual) {
        const float* residual = out.residual + r * out.residual_stride + column;
        for (size_t n = 0; n < lanes; ++n) c[n] += residual[n];
      }
    }
  }
}

}  // namespace encore::engine
