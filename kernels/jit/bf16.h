// bf16 values and activation rows for the vdpbf16ps GEMM.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace encore::jit {

// Round-to-nearest-even fp32 -> bf16 (the vcvtneps2bf16 rounding). NaN stays NaN.
uint16_t float_to_bf16(float value);
float bf16_to_float(uint16_t value);

struct Bf16Rows {
  size_t m = 0;
  size_t k = 0;
  size_t stride = 0;           // elements per row: k rounded up to 2 (vdpbf16ps pairs)
  std::vector<uint16_t> data;  // [m, stride]; the padding element is zero
};

// Converts x ([m, k], x_stride floats per row) into out, reusing out's storage.
void convert_rows_to_bf16(const float* x, size_t m, size_t k, size_t x_stride, Bf16Rows& out);

// The same in two steps, so threads can share the work: shape out for [m, k] once, then convert
// disjoint row ranges [first, end) concurrently.
void shape_bf16_rows(size_t m, size_t k, Bf16Rows& out);
void convert_row_range_to_bf16(const float* x, size_t x_stride, size_t first, size_t end,
                               Bf16Rows& out);

}  // namespace encore::jit
