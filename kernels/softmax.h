// Softmax over one row, in place, with max subtraction: row[i] = exp(row[i] - max) / Σ exp(row[j] -
// max).
#pragma once

#include <cstddef>

namespace encore::kernels {

// Valid for any finite inputs, including float32 lowest (-3.4028235e38) used for masked keys:
// those become exactly 0 unless the whole row is masked, in which case the row becomes uniform
// (1/n), as in transformers. n == 0 does nothing.
// Max error: 3 ulp per element relative to the float64 softmax of the same inputs (Highway's Exp is
// within 1 ulp; the sum is accumulated per lane).
void softmax_row(float* row, size_t n);

}  // namespace encore::kernels
