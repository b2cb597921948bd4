#include "engine/hessian_inverse.h"

#include <algorithm>
#include <cmath>

#include "engine/dense_products.h"
#include "support/error.h"

namespace encore::engine {
namespace {

// Rows (or columns) per block: the unblocked parts cost block·k² multiply-adds, the rest runs
// in accumulate_products.
constexpr size_t kBlock = 64;

// In place: a (upper triangle) = Sᵀ·S, S upper, written over a; the lower triangle is zeroed.
void upper_cholesky(std::vector<double>& a, size_t k) {
  for (size_t k0 = 0; k0 < k; k0 += kBlock) {
    const size_t k1 = std::min(k, k0 + kBlock);
    for (size_t r = k0; r < k1; ++r) {
      double* row = a.data() + r * k;
      const double pivot = row[r];
      if (!(pivot > 0) || !std::isfinite(pivot))
        throw_error("Cholesky: matrix of size ", k, " is not positive definite (pivot ", r, " is ",
                    pivot, ")");
      const double diagonal = std::sqrt(pivot), inverse = 1.0 / diagonal;
      row[r] = diagonal;
      for (size_t j = r + 1; j < k; ++j) row[j] *= inverse;
      for (size_t below = r + 1; below < k1; ++below) {
        const double factor = row[below];
        double* target = a.data() + below * k;
        for (size_t j = below; j < k; ++j) target[j] -= factor * row[j];
      }
    }
    // Rows past the block: a[i][j] -= Σ_{p in block} S[p][i]·S[p][j] for j ≥ i (whole 64-row
    // blocks, so a few entries below the diagonal get garbage; they are never read).
    for (size_t i0 = k1; i0 < k; i0 += kBlock) {
      const size_t i1 = std::min(k, i0 + kBlock);
      const double* panel = a.data() + k0 * k + i0;
      accumulate_products(a.data() + i0 * k + i0, k, panel, {1, k}, panel, k, i1 - i0, k - i0,
                          k1 - k0, /*subtract=*/true);
    }
  }
  for (size_t i = 1; i < k; ++i) std::fill(a.begin() + i * k, a.begin() + i * k + i, 0.0);
}

// In place: s (upper, positive diagonal) becomes T = S⁻¹, block rows from the bottom; each block
// row of S is copied aside first, as T's rows overwrite it.
void upper_triangular_inverse(std::vector<double>& s, size_t k) {
  std::vector<double> s_block(kBlock * k), row_sum(k);
  for (size_t r1 = k; r1 > 0;) {
    const size_t r0 = r1 > kBlock ? r1 - kBlock : 0;
    std::copy(s.begin() + r0 * k, s.begin() + r1 * k, s_block.begin());
    auto s_at = [&](size_t r, size_t j) { return s_block[(r - r0) * k + j]; };
    double* t = s.data();
    // The diagonal block, by back substitution.
    for (size_t r = r1; r-- > r0;) {
      double* t_row = t + r * k;
      t_row[r] = 1.0 / s_at(r, r);
      for (size_t j = r + 1; j < r1; ++j) {
        double sum = 0;
        for (size_t p = r + 1; p <= j; ++p) sum += s_at(r, p) * t[p * k + j];
        t_row[j] = -sum * t_row[r];
      }
    }
    // Columns right of the block: T[b, j] = −T_bb · (S[b, r1:] · T[r1:, j]); T[p, j] = 0 for p > j.
    for (size_t r = r0; r < r1; ++r) std::fill(t + r * k + r1, t + (r + 1) * k, 0.0);
    constexpr size_t kColumns = 256;
    for (size_t j0 = r1; j0 < k; j0 += kColumns) {
      const size_t j1 = std::min(k, j0 + kColumns);
      accumulate_products(t + r0 * k + j0, k, s_block.data() + r1, {k, 1}, t + r1 * k + j0, k,
                          r1 - r0, j1 - j0, j1 - r1, /*subtract=*/true);
    }
    for (size_t r = r0; r < r1; ++r) {
      std::fill(row_sum.begin() + r1, row_sum.end(), 0.0);
      for (size_t q = r; q < r1; ++q) {
        const double factor = t[r * k + q];
        const double* minus_x = t + q * k;
        for (size_t j = r1; j < k; ++j) row_sum[j] += factor * minus_x[j];
      }
      std::copy(row_sum.begin() + r1, row_sum.end(), t + r * k + r1);
    }
    r1 = r0;
  }
}

}  // namespace

std::vector<double> upper_cholesky_of_inverse(std::vector<double> spd, size_t k) {
  if (spd.size() != k * k)
    throw_error("upper_cholesky_of_inverse: ", spd.size(), " values for a ", k, "×", k, " matrix");
  // Reversing the flat array reverses both indices: J·H·J, and at the end J·T·J.
  std::reverse(spd.begin(), spd.end());
  upper_cholesky(spd, k);
  upper_triangular_inverse(spd, k);
  std::reverse(spd.begin(), spd.end());
  for (size_t i = 0; i < k; ++i)  // U = (J·T·J)ᵀ, whose upper triangle is J·T·J's lower one
    for (size_t j = i + 1; j < k; ++j) {
      spd[i * k + j] = spd[j * k + i];
      spd[j * k + i] = 0;
    }
  return spd;
}

}  // namespace encore::engine
