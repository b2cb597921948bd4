// Dynamic per-row activation quantization for the int8 GEMM: each row of x gets its own scale and
// zero point (asymmetric u8), so a row with a large outlier does not crush the others.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace encore::jit {

struct QuantizedRows {
  size_t m = 0;
  size_t k = 0;
  size_t stride = 0;                // bytes per row: k rounded up to 4 (vpdpbusd groups)
  std::vector<uint8_t> data;        // [m, stride]; padding bytes are zero
  std::vector<float> scale;         // x ~= scale * (q - zero_point)
  std::vector<int32_t> zero_point;  // in [0, 255]
};

// Quantizes x ([m, k], x_stride floats per row) into out, reusing out's storage (no allocation once
// it has held a matrix this large). The range always includes 0 so that 0 is exact.
// Valid for finite x; q = clamp(round(x / scale) + zero_point, 0, 255).
void quantize_rows(const float* x, size_t m, size_t k, size_t x_stride, QuantizedRows& out);

// The same in two steps, so threads can share the work: shape out for [m, k] once, then quantize
// disjoint row ranges [first, end) concurrently. column_scale (k floats, or null) multiplies x
// column by column before the row's range is taken: SmoothQuant's activation factor, fused.
void shape_quantized_rows(size_t m, size_t k, QuantizedRows& out);
void quantize_row_range(const float* x, size_t x_stride, size_t first, size_t end,
                        const float* column_scale, QuantizedRows& out);

// Split rows: about 16-bit activations through the same int8 weights. Row r of x ([m, k]) becomes
// two u8 rows of out ([2m, k]): row r, quantized exactly as above, and row m + r, its rounding
// residual x − scale·(q − zero_point) quantized at scale / kSplitResidualSteps around zero point
// 128. The two dequantized rows add up to x within scale / (2·kSplitResidualSteps): a GEMM over
// the 2m rows, with row r's and row m + r's results added, sees the activation error of a
// 16-bit quantization. column_scale as above.
inline constexpr int32_t kSplitResidualSteps = 254;  // residual in [-scale/2, scale/2] → [1, 255]
inline constexpr int32_t kSplitResidualZeroPoint = 128;
void shape_split_quantized_rows(size_t m, size_t k, QuantizedRows& out);  // out.m = 2m
void quantize_split_row_range(const float* x, size_t x_stride, size_t first, size_t end,
                              const float* column_scale, QuantizedRows& out);

}  // namespace encore::jit
