#include "kernels/jit/packed_weights.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/jit/bf16.h"
#include "support/error.h"

namespace encore::jit {
namespace {

void check_shape(const char* what, size_t n, size_t k) {
  if (n == 0 || k == 0) throw_error(what, ": empty weight matrix [", n, ", ", k, "]");
}

template <typename T>
void store(std::byte* at, T value) {
  std::memcpy(at, &value, sizeof value);
}

}  // namespace

PackedInt8Weights pack_quantized_int8_weights(const int8_t* weights, const float* scales,
                                              const float* bias, size_t n, size_t k) {
  check_shape("pack_quantized_int8_weights", n, k);
  PackedInt8Weights packed;
  packed.n = n;
  packed.k = k;
  packed.panels = AlignedBuffer(packed.panel_count() * packed.panel_bytes());  // zero padding
  for (size_t col = 0; col < n; ++col) {
    std::byte* panel = packed.panels.data() + (col / kPanelLanes) * packed.panel_bytes();
    const size_t lane = col % kPanelLanes;
    const int8_t* row = weights + col * k;
    int32_t column_sum = 0;
    for (size_t i = 0; i < k; ++i) {
      column_sum += row[i];
      const size_t group = i / kInt8KGroup;
      const size_t offset = Int8PanelLayout::weights_offset + group * Int8PanelLayout::group_bytes +
                            lane * kInt8KGroup + i % kInt8KGroup;
      store(panel + offset, row[i]);
    }
    store(panel + Int8PanelLayout::colsum_offset + lane * 4, column_sum);
    store(panel + Int8PanelLayout::scale_offset + lane * 4, scales[col]);
    store(panel + Int8PanelLayout::bias_offset + lane * 4, bias ? bias[col] : 0.0f);
  }
  return packed;
}

PackedInt8Weights pack_int8_weights(const float* weights, const float* bias, size_t n, size_t k) {
  check_shape("pack_int8_weights", n, k);
  std::vector<int8_t> quantized(n * k);
  std::vector<float> scales(n);
  for (size_t col = 0; col < n; ++col) {
    const float* row = weights + col * k;
    float max_abs = 0.0f;
    for (size_t i = 0; i < k; ++i) {
      if (!std::isfinite(row[i])) {
        throw_error("pack_int8_weights: output channel ", col, ", input ", i, " is not finite");
      }
      max_abs = std::max(max_abs, std::fabs(row[i]));
    }
    scales[col] = max_abs / 127.0f;
    const float inverse = max_abs > 0.0f ? 127.0f / max_abs : 0.0f;
    for (size_t i = 0; i < k; ++i) quantized[col * k + i] = int8_weight_code(row[i], inverse);
  }
  return pack_quantized_int8_weights(quantized.data(), scales.data(), bias, n, k);
}

PackedF32Weights pack_f32_weights(const float* weights, const float* bias, size_t n, size_t k) {
  check_shape("pack_f32_weights", n, k);
  PackedF32Weights packed;
  packed.n = n;
  packed.k = k;
  packed.panels = AlignedBuffer(packed.panel_count() * packed.panel_bytes());
  for (size_t col = 0; col < n; ++col) {
    std::byte* panel = packed.panels.data() + (col / kPanelLanes) * packed.panel_bytes();
    const size_t lane = col % kPanelLanes;
    for (size_t i = 0; i < k; ++i) {
      store(panel + F32PanelLayout::weights_offset + i * F32PanelLayout::row_bytes + lane * 4,
            weights[col * k + i]);
    }
    store(panel + F32PanelLayout::bias_offset + lane * 4, bias ? bias[col] : 0.0f);
  }
  return packed;
}

PackedBf16Weights pack_bf16_weights(const float* weights, const float* bias, size_t n, size_t k) {
  check_shape("pack_bf16_weights", n, k);
  PackedBf16Weights packed;
  packed.n = n;
  packed.k = k;
  packed.panels = AlignedBuffer(packed.panel_count() * packed.panel_bytes());
  for (size_t col = 0; col < n; ++col) {
    std::byte* panel = packed.panels.data() + (col / kPanelLanes) * packed.panel_bytes();
    const size_t lane = col % kPanelLanes;
    for (size_t i = 0; i < k; ++i) {
      const size_t offset = Bf16PanelLayout::weights_offset +
                            (i / kBf16KGroup) * Bf16PanelLayout::group_bytes +
                            (lane * kBf16KGroup + i % kBf16KGroup) * 2;
      store(panel + offset, float_to_bf16(weights[col * k + i]));
    }
    store(panel + Bf16PanelLayout::bias_offset + lane * 4, bias ? bias[col] : 0.0f);
  }
  return packed;
}

}  // namespace encore::jit
