#include "loader/float_convert.h"

#include <bit>
#include <cassert>
#include <cstring>

namespace encore::loader {

float f16_to_float(uint16_t bits) {
  uint32_t sign = static_cast<uint32_t>(bits & 0x8000) << 16;
  uint32_t exponent = (bits >> 10) & 0x1F;
  uint32_t mantissa = bits & 0x3FF;
  if (exponent == 0x1F) return std::bit_cast<float>(sign | 0x7F800000u | (mantissa << 13));
  if (exponent == 0) {
    // Zero or subnormal: mantissa × 2^-24, exact in fp32.
    float magnitude = static_cast<float>(mantissa) * 0x1p-24f;
    return sign ? -magnitude : magnitude;
  }
  return std::bit_cast<float>(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
}

float bf16_to_float(uint16_t bits) {
  return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16);
}

uint16_t float_to_bf16(float value) {
  uint32_t bits = std::bit_cast<uint32_t>(value);
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u)
    return static_cast<uint16_t>((bits >> 16) | 0x40);  // quiet NaN
  uint32_t rounding = 0x7FFF + ((bits >> 16) & 1);
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

void convert_to_fp32(const TensorView& tensor, std::span<float> out) {
  assert(is_float_dtype(tensor.dtype) && out.size() == static_cast<size_t>(tensor.element_count()));
  const std::byte* in = tensor.bytes.data();
  if (out.empty()) return;
  if (tensor.dtype == DType::kF32) {
    std::memcpy(out.data(), in, out.size() * sizeof(float));
    return;
  }
  float (*convert)(uint16_t) = tensor.dtype == DType::kF16 ? f16_to_float : bf16_to_float;
  for (size_t i = 0; i < out.size(); ++i) {
    uint16_t bits;
    std::memcpy(&bits, in + 2 * i, 2);  // checkpoint data need not be 2-byte aligned
    out[i] = convert(bits);
  }
}

}  // namespace encore::loader
