// Split int8 rows (~16-bit activations through int8 weights): the two-part quantizer against its
// error bound and the one-part quantizer, and the combined GEMM output against a double-precision
// scalar reference computed from the same integers (every N tail, activation and residual).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "engine/split_int8.h"
#include "kernels/jit/cpu_features.h"
#include "kernels/jit/gemm.h"
#include "kernels/jit/panel_layout.h"
#include "kernels/jit/quantized_rows.h"
#include "tests/engine/isa_guard.h"

namespace {

using encore::jit::Activation;
using encore::jit::QuantizedRows;

// Rows like LayerNorm outputs with two outlier channels 12× the rest (distilbert_ref.py --outliers).
std::vector<float> outlier_rows(size_t m, size_t k, size_t stride, uint32_t seed) {
  std::mt19937 random(seed);
  std::normal_distribution<float> normal(0.1f, 1.0f);
  std::vector<float> x(m * stride, 1e30f);  // stride padding must be ignored
  for (size_t r = 0; r < m; ++r) {
    for (size_t i = 0; i < k; ++i) x[r * stride + i] = normal(random);
    x[r * stride + k / 3] *= 12.0f;
    x[r * stride + 2 * k / 3] *= 12.0f;
  }
  return x;
}

float dequantized(const QuantizedRows& q, size_t row, size_t i) {
  return q.scale[row] * static_cast<float>(q.data[row * q.stride + i] - q.zero_point[row]);
}

double exact_gelu(double x) {
  return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
}

}  // namespace

TEST_CASE("split rows: the first part is the one-part quantization, both within 1/508 step") {
  if (!encore::test::requested_isa_runs_here()) return;
  for (size_t k : {1, 5, 16, 33, 768}) {
    const size_t m = 4, stride = k + 3;
    std::vector<float> x = outlier_rows(m, k, stride, static_cast<uint32_t>(k));
    std::fill(x.begin() + 3 * stride, x.begin() + 3 * stride + k, 0.0f);  // an all-zero row
    std::vector<float> column_scale(k);
    for (size_t i = 0; i < k; ++i) column_scale[i] = 0.5f + 0.01f * static_cast<float>(i % 7);
    QuantizedRows one, split;
    encore::jit::shape_quantized_rows(m, k, one);
    encore::jit::quantize_row_range(x.data(), stride, 0, m, column_scale.data(), one);
    encore::jit::shape_split_quantized_rows(m, k, split);
    REQUIRE(split.m == 2 * m);
    encore::jit::quantize_split_row_range(x.data(), stride, 0, 2, column_scale.data(), split);
    encore::jit::quantize_split_row_range(x.data(), stride, 2, m, column_scale.data(), split);
    for (size_t r = 0; r < m; ++r) {
      INFO("K=", k, " row ", r);
      CHECK(split.scale[r] == one.scale[r]);
      CHECK(split.zero_point[r] == one.zero_point[r]);
      CHECK(split.zero_point[m + r] == encore::jit::kSplitResidualZeroPoint);
      CHECK(std::equal(one.data.begin() + r * one.stride, one.data.begin() + (r + 1) * one.stride,
                       split.data.begin() + r * split.stride));
      for (size_t i = k; i < split.stride; ++i) CHECK(split.data[(m + r) * split.stride + i] == 0);
      const float bound =
          split.scale[r] / (2.0f * encore::jit::kSplitResidualSteps) * 1.01f + 1e-6f;
      float worst = 0;
      for (size_t i = 0; i < k; ++i) {
        const float value = x[r * stride + i] * column_scale[i];
        worst = std::max(worst, std::fabs(dequantized(split, r, i) + dequantized(split, m + r, i) -
                                          value));
      }
      CHECK(worst <= bound);
    }
  }
}

TEST_CASE("split int8 GEMM: combined output equals a double reference on the same integers") {
  if (!encore::test::requested_isa_runs_here()) return;
  if (encore::jit::cpu_features().level < encore::jit::IsaLevel::avx512_vnni) {
    MESSAGE("skipped: no AVX-512 VNNI");
    return;
  }
  std::mt19937 random(11);
  std::normal_distribution<float> normal(0.0f, 0.04f);
  for (size_t n : {1, 64, 100, 192}) {
    for (size_t m : {1, 3, 7}) {
      for (Activation activation : {Activation::none, Activation::relu, Activation::gelu_erf}) {
        const size_t k = 37, stride = k + 1;
        const std::vector<float> x = outlier_rows(m, k, stride, static_cast<uint32_t>(n + m));
        std::vector<float> weight(n * k), bias(n), residual(m * n);
        for (float& v : weight) v = normal(random);
        for (float& v : bias) v = normal(random);
        for (float& v : residual) v = normal(random);
        const auto w = encore::jit::pack_int8_weights(weight.data(), bias.data(), n, k);
        QuantizedRows a;
        encore::jit::shape_split_quantized_rows(m, k, a);
        encore::jit::quantize_split_row_range(x.data(), stride, 0, m, nullptr, a);
        encore::jit::Epilogue raw_epilogue;
        raw_epilogue.raw_int32 = true;
        std::vector<int32_t> raw(2 * m * n);
        encore::jit::Int8Gemm(2 * m, n, k, raw_epilogue).run_raw(a, w, raw.data(), n);
        const bool with_residual = activation != Activation::relu;
        std::vector<float> c(m * n);
        const encore::jit::GemmOutput out{c.data(), n, with_residual ? residual.data() : nullptr,
                                          n};
        // Two slices, as threads would run them.
        const size_t panels = w.panel_count();
        for (size_t part = 0; part < 2; ++part) {
          encore::engine::combine_split_int8(raw.data(), n, a, w,
                                             encore::jit::split_panels(panels, part, 2),
                                             activation, out);
        }
        for (size_t r = 0; r < m; ++r) {
          for (size_t col = 0; col < n; ++col) {
            // The packed weight of (col, i): per-channel symmetric, as pack_int8_weights makes it.
            float max_abs = 0;
            for (size_t i = 0; i < k; ++i)
              max_abs = std::max(max_abs, std::fabs(weight[col * k + i]));
            const double w_scale = max_abs / 127.0;
            double sum = 0;
            for (size_t i = 0; i < k; ++i) {
              const double q = std::clamp(std::nearbyint(weight[col * k + i] * (127.0f / max_abs)),
                                          -127.0f, 127.0f);
              sum += (double{dequantized(a, r, i)} + dequantized(a, m + r, i)) * q * w_scale;
            }
            double expected = sum + bias[col];
            if (activation == Activation::relu) expected = std::max(expected, 0.0);
            if (activation == Activation::gelu_erf) expected = exact_gelu(expected);
            if (with_residual) expected += residual[r * n + col];
            INFO("M=", m, " N=", n, " activation ", static_cast<int>(activation), " at ", r, ",",
                 col);
            REQUIRE(std::fabs(c[r * n + col] - expected) <= 2e-6 * (1.0 + std::fabs(expected)));
          }
        }
      }
    }
  }
}
