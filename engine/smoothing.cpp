#include "engine/smoothing.h"

#include <algorithm>
#include <cmath>

#include "support/error.h"

namespace encore::engine {
namespace {

// |z| of a normalized row rarely exceeds ~4 (a few sigma); only the ratio to beta matters.
constexpr float kNormalizedRange = 4.0f;
// Floors keep a dead channel (zero gamma or zero weights) from giving s = 0 or infinity.
constexpr float kMinRange = 1e-6f;
constexpr float kSmoothingAlpha = 0.5f;

}  // namespace

std::vector<float> layer_norm_output_range(std::span<const float> gamma,
                                           std::span<const float> beta) {
  if (gamma.size() != beta.size())
    throw_error("layer_norm_output_range: ", gamma.size(), " gammas and ", beta.size(), " betas");
  std::vector<float> range(gamma.size());
  for (size_t j = 0; j < gamma.size(); ++j)
    range[j] = kNormalizedRange * std::fabs(gamma[j]) + std::fabs(beta[j]);
  return range;
}

std::vector<float> smoothing_factors(std::span<const float> input_range, const float* weight,
                                     int64_t n, int64_t k) {
  if (static_cast<int64_t>(input_range.size()) != k)
    throw_error("smoothing_factors: ", input_range.size(), " input ranges for ", k, " inputs");
  std::vector<float> weight_range(static_cast<size_t>(k), 0.0f);
  for (int64_t row = 0; row < n; ++row)
    for (int64_t j = 0; j < k; ++j)
      weight_range[j] = std::max(weight_range[j], std::fabs(weight[row * k + j]));
  std::vector<float> factors(static_cast<size_t>(k));
  for (int64_t j = 0; j < k; ++j) {
    const float x = std::max(input_range[j], kMinRange);
    const float w = std::max(weight_range[j], kMinRange);
    factors[j] = std::pow(x, kSmoothingAlpha) / std::pow(w, 1.0f - kSmoothingAlpha);
  }
  return factors;
}

}  // namespace encore::engine
