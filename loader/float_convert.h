// Conversions between the 16-bit float formats of checkpoints and fp32. Exact: every F16 and BF16
// value (subnormals, infinities, NaN payloads) is representable in fp32.
#pragma once

#include <cstdint>
#include <span>

#include "loader/safetensors.h"

namespace encore::loader {

// IEEE 754 binary16 → binary32.
float f16_to_float(uint16_t bits);
// bfloat16 is the top half of a binary32.
float bf16_to_float(uint16_t bits);
// binary32 → bfloat16, rounding to nearest even (NaN stays NaN), as PyTorch and numpy writers do.
uint16_t float_to_bf16(float value);

// Converts a float tensor (F32, F16 or BF16, any alignment) to fp32; `out` holds element_count().
void convert_to_fp32(const TensorView& tensor, std::span<float> out);

}  // namespace encore::loader
