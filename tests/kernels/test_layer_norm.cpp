// layer_norm_row (with and without the fused residual) against a float64 reference, and its
// quantizing variant against layer_norm_row and the int8 GEMM's own row quantizer.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/jit/quantized_rows.h"
#include "kernels/layer_norm.h"
#include "tests/kernels/for_each_target.h"

namespace {

std::vector<double> reference_layer_norm(const std::vector<float>& x, const std::vector<float>& r,
                                         const std::vector<float>& gamma,
                                         const std::vector<float>& beta, double eps) {
  const size_t n = x.size();
  std::vector<double> v(n);
  double mean = 0;
  for (size_t i = 0; i < n; ++i) mean += v[i] = double(x[i]) + (r.empty() ? 0.0 : r[i]);
  mean /= n;
  double var = 0;
  for (double value : v) var += (value - mean) * (value - mean);
  var /= n;
  for (size_t i = 0; i < n; ++i) v[i] = (v[i] - mean) / std::sqrt(var + eps) * gamma[i] + beta[i];
  return v;
}

}  // namespace

TEST_CASE("layer_norm_row matches float64 for dims 1..70 and 768, with and without residual") {
  std::mt19937 rng(2);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<size_t> dims;
  for (size_t n = 1; n <= 70; ++n) dims.push_back(n);
  dims.push_back(768);
  encore::test::for_each_target([&] {
    for (size_t n : dims) {
      for (bool with_residual : {false, true}) {
        std::vector<float> x(n), r(with_residual ? n : 0), gamma(n), beta(n);
        // An offset mean and outlier channels, as in real checkpoints.
        for (float& v : x) v = 3.0f + 2.0f * normal(rng);
        for (float& v : r) v = normal(rng);
        for (float& v : gamma) v = 1.0f + 0.1f * normal(rng);
        gamma[n / 3] *= 12.0f;
        for (float& v : beta) v = 0.05f * normal(rng);
        const auto expected = reference_layer_norm(x, r, gamma, beta, 1e-12);
        std::vector<float> out = x;  // in place
        encore::kernels::layer_norm_row(out.data(), with_residual ? r.data() : nullptr,
                                        gamma.data(), beta.data(), out.data(), n, 1e-12f);
        // A few ulps of the normalized value (which the input's offset mean inflates), times gamma.
        for (size_t i = 0; i < n; ++i) {
          const double normalized = (expected[i] - beta[i]) / gamma[i];
          CHECK(std::abs(out[i] - expected[i]) <=
                1e-6 * std::abs(gamma[i]) * (2 + std::abs(normalized)));
        }
      }
    }
  });
}

TEST_CASE(
    "layer_norm_row_quantized: out as layer_norm_row, q/scale/zero point as quantize_row_range, "
    "with and without a column scale") {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<size_t> dims;
  for (size_t n = 1; n <= 70; ++n) dims.push_back(n);
  dims.push_back(768);
  encore::test::for_each_target([&] {
    for (size_t n : dims) {
      for (const int variant : {0, 1, 2}) {
        const bool zero_gamma = variant == 1;  // an all-zero output row: scale 0
        const bool smoothed = variant == 2;    // SmoothQuant's per-column factor
        std::vector<float> x(n), r(n), gamma(n), beta(n), column_scale(n);
        for (float& v : column_scale) v = std::exp(normal(rng));
        for (float& v : x) v = 3.0f + 2.0f * normal(rng);
        for (float& v : r) v = normal(rng);
        for (float& v : gamma) v = zero_gamma ? 0.0f : 1.0f + 0.1f * normal(rng);
        gamma[n / 3] *= 12.0f;
        for (float& v : beta) v = zero_gamma ? 0.0f : 0.05f * normal(rng);
        std::vector<float> expected(n);
        encore::kernels::layer_norm_row(x.data(), r.data(), gamma.data(), beta.data(),
                                        expected.data(), n, 1e-12f);
        std::vector<float> out(n);
        std::vector<uint8_t> q(n);
        float scale = -1.0f;
        int32_t zero_point = -1;
        const float* scale_or_null = smoothed ? column_scale.data() : nullptr;
        encore::kernels::layer_norm_row_quantized(x.data(), r.data(), gamma.data(), beta.data(),
                                                  out.data(), n, 1e-12f, scale_or_null, q.data(),
                                                  &scale, &zero_point);
        CHECK(out == expected);
        encore::jit::QuantizedRows rows;
        encore::jit::shape_quantized_rows(1, n, rows);
        encore::jit::quantize_row_range(expected.data(), n, 0, 1, scale_or_null, rows);
        CHECK(scale == rows.scale[0]);
        CHECK(zero_point == rows.zero_point[0]);
        CHECK(std::equal(q.begin(), q.end(), rows.data.begin()));
      }
    }
  });
}
