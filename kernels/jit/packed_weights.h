// Packing of PyTorch Linear weights ([N, K] row-major, y = x W^T + b) into 64-lane panels
// (layout in panel_layout.h). Packed buffers are immutable after packing and owned by the caller;
// any number of threads may read them at once.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "kernels/jit/aligned_buffer.h"
#include "kernels/jit/panel_layout.h"

namespace encore::jit {

// int8 weights, XNNPACK "qc8w": symmetric s8 per output channel, scale_n = max|w_n| / 127,
// with per-channel column sums (for the activation zero point), scales and bias in each panel.
struct PackedInt8Weights {
  size_t n = 0;
  size_t k = 0;
  AlignedBuffer panels;

  size_t panel_count() const { return panel_count_for(n); }
  size_t panel_bytes() const { return Int8PanelLayout::panel_bytes(k); }
  const std::byte* panel(size_t index) const { return panels.data() + index * panel_bytes(); }
};

// The s8 code of one weight: round to nearest even, clamp to [-127, 127]; inverse_scale is
// 127 / the channel's range (0 for an all-zero channel). The one rounding rule of every int8
// weight path (pack_int8_weights, GPTQ in engine/gptq.cpp).
inline int8_t int8_weight_code(float value, float inverse_scale) {
  return static_cast<int8_t>(std::clamp(std::nearbyint(value * inverse_scale), -127.0f, 127.0f));
}

// Quantizes fp32 weights per output channel (range max|w| → ±127) and packs them. bias may be null (zero).
PackedInt8Weights pack_int8_weights(const float* weights, const float* bias, size_t n, size_t k);

// Packs weights already quantized to s8 ([N, K]) with their per-channel scales: the entry point for
// pre-quantized files and for tests that need chosen integer values.
PackedInt8Weights pack_quantized_int8_weights(const int8_t* weights, const float* scales,
                                              const float* bias, size_t n, size_t k);

struct PackedF32Weights {
  size_t n = 0;
  size_t k = 0;
  AlignedBuffer panels;

  size_t panel_count() const { return panel_count_for(n); }
  size_t panel_bytes() const { return F32PanelLayout::panel_bytes(k); }
  const std::byte* panel(size_t index) const { return panels.data() + index * panel_bytes(); }
};

// Packs fp32 weights ([N, K]) and bias (may be null) into panels of 64 output channels.
PackedF32Weights pack_f32_weights(const float* weights, const float* bias, size_t n, size_t k);

// bf16 weights (rounded to nearest even), fp32 bias.
struct PackedBf16Weights {
  size_t n = 0;
  size_t k = 0;
  AlignedBuffer panels;

  size_t panel_count() const { return panel_count_for(n); }
  size_t panel_bytes() const { return Bf16PanelLayout::panel_bytes(k); }
  const std::byte* panel(size_t index) const { return panels.data() + index * panel_bytes(); }
};

PackedBf16Weights pack_bf16_weights(const float* weights, const float* bias, size_t n, size_t k);

}  // namespace encore::jit
