#include "engine/gptq.h"

#include <algorithm>
#include <cmath>

#include "engine/dense_products.h"
#include "engine/hessian_inverse.h"
#include "kernels/jit/packed_weights.h"
#include "support/error.h"

namespace encore::engine {
namespace {

// H with dead inputs revived and damping added, ready to be inverted.
std::vector<double> damped_hessian(std::span<const double> hessian, size_t k, double damping) {
  std::vector<double> h(hessian.begin(), hessian.end());
  double diagonal_sum = 0;
  for (size_t i = 0; i < k * k; ++i)
    if (!std::isfinite(h[i]))
      throw_error("gptq: Hessian entry (", i / k, ", ", i % k, ") is ", h[i]);
  for (size_t i = 0; i < k; ++i) {
    double& d = h[i * k + i];
    if (d < 0) throw_error("gptq: Hessian diagonal ", i, " is negative (", d, ")");
    if (d == 0) d = 1;  // the input is always 0: its weights affect nothing, nothing to correct
    diagonal_sum += d;
  }
  const double lambda = damping * diagonal_sum / static_cast<double>(k);
  for (size_t i = 0; i < k; ++i) h[i * k + i] += lambda;
  return h;
}

}  // namespace

std::vector<float> channel_max_abs(const float* weight, size_t n, size_t k) {
  std::vector<float> ranges(n, 0.0f);
  for (size_t row = 0; row < n; ++row)
    for (size_t i = 0; i < k; ++i)
      ranges[row] = std::max(ranges[row], std::fabs(weight[row * k + i]));
  return ranges;
}

Int8Codes gptq_quantize(const float* weight, size_t n, size_t k, std::span<const double> hessian,
                        std::span<const float> ranges, const GptqOptions& options) {
  if (n == 0 || k == 0) throw_error("gptq: empty weight matrix [", n, ", ", k, "]");
  if (hessian.size() != k * k)
    throw_error("gptq: Hessian has ", hessian.size(), " values, expected ", k, "×", k);
  if (ranges.size() != n) throw_error("gptq: ", ranges.size(), " ranges for ", n, " channels");
  if (!(options.damping >= 0) || options.block == 0)
    throw_error("gptq: damping ", options.damping, " and block ", options.block, " out of range");
  // The walk visits the inputs in `order` (step → input) and runs on Wᵀ [k, n] in that order: one
  // input channel's weights are a contiguous row.
  std::vector<double> h = damped_hessian(hessian, k, options.damping);
  std::vector<size_t> order(k);
  for (size_t i = 0; i < k; ++i) order[i] = i;
  if (options.act_order) {
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return h[a * k + a] > h[b * k + b]; });
  }
  Int8Codes result{std::vector<int8_t>(n * k), std::vector<float>(n)};
  std::vector<float>& scales = result.scales;
  std::vector<float> w(k * n), inverse_scales(n);
  for (size_t row = 0; row < n; ++row) {
    if (!std::isfinite(ranges[row]) || ranges[row] < 0)
      throw_error("gptq: range of channel ", row, " is ", ranges[row]);
    scales[row] = ranges[row] / 127.0f;
    inverse_scales[row] = ranges[row] > 0 ? 127.0f / ranges[row] : 0.0f;
    for (size_t step = 0; step < k; ++step) {
      const float value = weight[row * k + order[step]];
      if (!std::isfinite(value)) {
        throw_error("gptq: weight of output channel ", row, ", input ", order[step],
                    " is not finite");
      }
      w[step * n + row] = value;
    }
  }

  if (options.act_order) {
    std::vector<double> ordered(k * k);
    for (size_t i = 0; i < k; ++i)
      for (size_t j = 0; j < k; ++j) ordered[i * k + j] = h[order[i] * k + order[j]];
    h = std::move(ordered);
  }
  const std::vector<double> u64 = upper_cholesky_of_inverse(std::move(h), k);
  std::vector<float> u(options.block * k);  // U's rows of the block in float: u[i - i1][j]

  std::vector<int8_t>& codes = result.codes;
  std::vector<float> errors(options.block * n);
  for (size_t i1 = 0; i1 < k; i1 += options.block) {
    const size_t i2 = std::min(k, i1 + options.block);
    for (size_t i = i1; i < i2; ++i)
      std::copy(u64.begin() + i * k + i1, u64.begin() + (i + 1) * k, u.begin() + (i - i1) * k + i1);
    for (size_t i = i1; i < i2; ++i) {
      float* column = w.data() + i * n;
      float* error = errors.data() + (i - i1) * n;
      const float pivot = u[(i - i1) * k + i];
      for (size_t row = 0; row < n; ++row) {
        // pack_int8_weights' rounding, so a walk that pushes no error reproduces it.
        const int8_t code = jit::int8_weight_code(column[row], inverse_scales[row]);
        codes[row * k + order[i]] = code;
        error[row] = (column[row] - static_cast<float>(code) * scales[row]) / pivot;
      }
      // The rest of the block now: W[j] -= U[i][j]·error for j in (i, i2).
      accumulate_products(column + n, n, u.data() + (i - i1) * k + i + 1, {1, 0}, error, n,
                          i2 - i - 1, n, 1, /*subtract=*/true);
    }
    // Columns after the block, lazily: W[j] -= Σ_b U[i1 + b][j]·error_b for j ≥ i2.
    accumulate_products(w.data() + i2 * n, n, u.data() + i2, {1, k}, errors.data(), n, k - i2, n,
                        i2 - i1, /*subtract=*/true);
  }
  return result;
}

}  // namespace encore::engine
