// The output side of an int8 Linear on split rows (kernels/jit/quantized_rows.h: rows [0, m) are
// the activations' u8 quantization, rows [m, 2m) their rounding residuals): the Int8Gemm runs the
// 2m rows with the raw_int32 epilogue, and this adds each row's two parts into the Linear's output.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/jit/gemm.h"

namespace encore::engine {

// For the output columns of the panels in `range` and every row r < m = rows.m / 2:
//   C[r, n] = act(scale_n · (s_r·(hi[r, n] − zp_r·colsum_n) + s'_r·(lo[r, n] − zp'_r·colsum_n))
//                 + bias_n) (+ residual[r, n])
// with hi = raw row r, lo = raw row m + r (raw_stride int32 per row), s, zp the rows' scales and
// zero points and scale_n, colsum_n, bias_n from w's panels. The zero-point terms are exact in
// int32, as in the fused int8 epilogue; act is none, ReLU or exact GELU.
void combine_split_int8(const int32_t* raw, size_t raw_stride, const jit::QuantizedRows& rows,
                        const jit::PackedInt8Weights& w, jit::PanelRange range,
                        jit::Activation activation, const jit::GemmOutput& out);

}  // namespace encore::engine
