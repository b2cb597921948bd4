// The factor GPTQ walks (engine/gptq.h): for a symmetric positive definite H [k, k], the upper
// triangular U with Uᵀ·U = H⁻¹ (PyTorch: cholesky(cholesky_inverse(cholesky(H)), upper=True)).
//
// Computed without forming H⁻¹: with J the index reversal, J·H·J = Sᵀ·S (an upper Cholesky
// factorization), so H = R·Rᵀ with R = J·Sᵀ·J upper, and U = R⁻¹ = J·(S⁻¹)ᵀ·J — one Cholesky
// and one triangular inverse, both blocked (engine/dense_products.h), in double.
#pragma once

#include <cstddef>
#include <vector>

namespace encore::engine {

// `spd` is row-major [k, k], both triangles filled (symmetric). Returns U row-major (zeros below
// the diagonal). Throws encore::Error when spd is not positive definite (or holds NaN).
std::vector<double> upper_cholesky_of_inverse(std::vector<double> spd, size_t k);

}  // namespace encore::engine
