// C ±= A·B on dense row-major matrices, for the linear algebra of int8 calibration and GPTQ
// (engine/gptq.h, engine/hessian_inverse.h, engine/calibration.h): Hessian accumulation
// H += XᵀX, the trailing updates of a blocked Cholesky and triangular inverse, and GPTQ's lazy
// weight updates. Highway, dispatched at run time like kernels/.
//
// A is read through two strides, a(r, q) = a[r·a_row_stride + q·a_col_stride], so Aᵀ needs no
// copy; B and C have contiguous rows. Sums run in T (double for the Cholesky, float for weights
// and Hessian batches), in a fixed order independent of the machine's core count.
#pragma once

#include <cstddef>

namespace encore::engine {

struct StridedMatrix {
  size_t row_stride = 0;
  size_t col_stride = 1;
};

// C[m, n] (row stride ldc) += A[m, p] · B[p, n] (row stride ldb), or -= when `subtract`.
void accumulate_products(double* c, size_t ldc, const double* a, StridedMatrix a_strides,
                         const double* b, size_t ldb, size_t m, size_t n, size_t p, bool subtract);
void accumulate_products(float* c, size_t ldc, const float* a, StridedMatrix a_strides,
                         const float* b, size_t ldb, size_t m, size_t n, size_t p, bool subtract);

}  // namespace encore::engine
