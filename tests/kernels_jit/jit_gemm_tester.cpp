#include "jit_gemm_tester.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/jit/cpu_features.h"
#include "kernels/jit/gemm.h"
#include "support/error.h"

namespace encore::test {
namespace {

using jit::Activation;

// Sentinel for C's padding columns: any write there is caught.
constexpr float kUntouched = -12345.5f;

std::mt19937 generator_for(size_t m, size_t n, size_t k) {
  return std::mt19937(static_cast<uint32_t>(m * 1000003u + n * 1009u + k));
}

double exact_gelu(double x) {
  return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
}

float apply_activation(Activation activation, float x) {
  switch (activation) {
    case Activation::relu:
      return std::max(x, 0.0f);
    case Activation::gelu_erf:
      return static_cast<float>(exact_gelu(x));
    case Activation::none:
      break;
  }
  return x;
}

// GELU's rational erf approximation adds up to ~2e-7 |x| absolute on top of float rounding.
float activation_tolerance(Activation activation, float pre_activation) {
  return activation == Activation::gelu_erf ? 1e-6f * (1.0f + std::fabs(pre_activation)) : 0.0f;
}

std::string describe(size_t m, size_t n, size_t k, size_t slices, Activation activation,
                     bool residual) {
  return "M=" + std::to_string(m) + " N=" + std::to_string(n) + " K=" + std::to_string(k) +
         " slices=" + std::to_string(slices) +
         " activation=" + std::to_string(static_cast<int>(activation)) +
         (residual ? " +residual" : "");
}

template <typename Run>
void run_in_slices(size_t n, size_t slices, Run&& run) {
  const size_t panels = jit::panel_count_for(n);
  for (size_t part = 0; part < slices; ++part) run(jit::split_panels(panels, part, slices));
}

template <typename T>
void check_padding_untouched(const std::vector<T>& c, size_t m, size_t n, size_t stride) {
  for (size_t row = 0; row < m; ++row) {
    for (size_t col = n; col < stride; ++col) {
      T expected;
      const float sentinel = kUntouched;
      std::memcpy(&expected, &sentinel, sizeof expected);
      REQUIRE_MESSAGE(c[row * stride + col] == expected, "padding written at ", row, ",", col);
    }
  }
}

// Random int8 operands: u8 activations over the full range, s8 weights in [-127, 127].
struct Int8Operands {
  jit::QuantizedRows a;
  std::vector<int8_t> w;  // [n, k]
  std::vector<float> scales, bias;
};

Int8Operands make_int8_operands(size_t m, size_t n, size_t k) {
  std::mt19937 random = generator_for(m, n, k);
  Int8Operands ops;
  ops.a.m = m;
  ops.a.k = k;
  ops.a.stride = jit::round_up(k, 4);
  ops.a.data.assign(m * ops.a.stride, 0);
  std::uniform_int_distribution<int> byte(0, 255), weight(-127, 127);
  std::uniform_real_distribution<float> scale(1e-3f, 2e-2f), bias(-1.0f, 1.0f);
  for (size_t row = 0; row < m; ++row) {
    for (size_t i = 0; i < k; ++i)
      ops.a.data[row * ops.a.stride + i] = static_cast<uint8_t>(byte(random));
    ops.a.scale.push_back(scale(random));
    ops.a.zero_point.push_back(byte(random));
  }
  ops.w.resize(n * k);
  for (int8_t& value : ops.w) value = static_cast<int8_t>(weight(random));
  for (size_t col = 0; col < n; ++col) {
    ops.scales.push_back(scale(random));
    ops.bias.push_back(bias(random));
  }
  return ops;
}

int32_t int8_dot(const Int8Operands& ops, size_t row, size_t col, size_t k) {
  int64_t sum = 0;
  for (size_t i = 0; i < k; ++i) {
    sum += int64_t{ops.a.data[row * ops.a.stride + i]} * ops.w[col * k + i];
  }
  REQUIRE(sum >= INT32_MIN);
  REQUIRE(sum <= INT32_MAX);
  return static_cast<int32_t>(sum);
}

std::vector<float> random_floats(std::mt19937& random, size_t count) {
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  std::vector<float> values(count);
  for (float& v : values) v = value(random);
  return values;
}

}  // namespace

bool jit_level_available(int level) {
  try {
    const jit::CpuFeatures& features = jit::cpu_features();
    if (static_cast<int>(features.level) >= level) return true;
    MESSAGE("skipped: needs ISA level ", jit::isa_level_name(static_cast<jit::IsaLevel>(level)),
            ", running at ", jit::isa_level_name(features.level),
            " (CPU: ", jit::isa_level_name(features.detected), ")");
  } catch (const Error& error) {
    MESSAGE("skipped: ", std::string(error.what()));
  }
  return false;
}

void JitGemmTester::test_int8_raw() const {
  INFO(describe(m_, n_, k_, slices_, activation_, residual_));
  const Int8Operands ops = make_int8_operands(m_, n_, k_);
  const jit::PackedInt8Weights w =
      jit::pack_quantized_int8_weights(ops.w.data(), ops.scales.data(), ops.bias.data(), n_, k_);
  jit::Epilogue epilogue;
  epilogue.raw_int32 = true;
  const jit::Int8Gemm gemm(m_, n_, k_, epilogue);
  const size_t stride = n_ + padding_;
  std::vector<int32_t> c(m_ * stride);
  std::memcpy(c.data(), std::vector<float>(c.size(), kUntouched).data(), c.size() * 4);
  run_in_slices(n_, slices_,
                [&](jit::PanelRange range) { gemm.run_raw(ops.a, w, c.data(), stride, range); });
  for (size_t row = 0; row < m_; ++row) {
    for (size_t col = 0; col < n_; ++col) {
      REQUIRE_MESSAGE(c[row * stride + col] == int8_dot(ops, row, col, k_), "at ", row, ",", col);
    }
  }
  check_padding_untouched(c, m_, n_, stride);
}

void JitGemmTester::test_int8() const {
  INFO(describe(m_, n_, k_, slices_, activation_, residual_));
  const Int8Operands ops = make_int8_operands(m_, n_, k_);
  const jit::PackedInt8Weights w =
      jit::pack_quantized_int8_weights(ops.w.data(), ops.scales.data(), ops.bias.data(), n_, k_);
  jit::Epilogue epilogue;
  epilogue.activation = activation_;
  epilogue.residual_add = residual_;
  const jit::Int8Gemm gemm(m_, n_, k_, epilogue);
  const size_t stride = n_ + padding_;
  std::mt19937 random = generator_for(n_, m_, k_);
  const std::vector<float> residual = random_floats(random, m_ * stride);
  std::vector<float> c(m_ * stride, kUntouched);
  run_in_slices(n_, slices_, [&](jit::PanelRange range) {
    gemm.run(ops.a, w, {c.data(), stride, residual_ ? residual.data() : nullptr, stride}, range);
  });
  for (size_t col = 0; col < n_; ++col) {
    int32_t column_sum = 0;
    for (size_t i = 0; i < k_; ++i) column_sum += ops.w[col * k_ + i];
    for (size_t row = 0; row < m_; ++row) {
      // The kernel's order: exact int32 correction, one rounding to float, * scale_n, fma.
      const int32_t corrected = int8_dot(ops, row, col, k_) - ops.a.zero_point[row] * column_sum;
      const float dequantized = std::fma(static_cast<float>(corrected) * ops.scales[col],
                                         ops.a.scale[row], ops.bias[col]);
      float expected = apply_activation(activation_, dequantized);
      if (residual_) expected += residual[row * stride + col];
      const float actual = c[row * stride + col];
      const float tolerance = activation_tolerance(activation_, dequantized);
      REQUIRE_MESSAGE(std::fabs(actual - expected) <= tolerance, "at ", row, ",", col, ": ", actual,
                      " vs ", expected);
    }
  }
  check_padding_untouched(c, m_, n_, stride);
}

// Random fp32 operands (rounded to bf16 when the kernel reads bf16), the kernel's output through
// run_gemm(a, a_stride, w, bias, epilogue, c, stride, residual), and a double reference.
template <typename RunGemm>
void JitGemmTester::check_float_gemm(bool bf16_inputs, RunGemm&& run_gemm) const {
  INFO(describe(m_, n_, k_, slices_, activation_, residual_), bf16_inputs ? " bf16" : " fp32");
  std::mt19937 random = generator_for(m_, n_, k_);
  const size_t a_stride = k_ + padding_;
  const size_t stride = n_ + padding_;
  std::vector<float> a = random_floats(random, m_ * a_stride);
  std::vector<float> w = random_floats(random, n_ * k_);
  const std::vector<float> bias = random_floats(random, n_);
  const std::vector<float> residual = random_floats(random, m_ * stride);
  if (bf16_inputs) {
    for (float& v : a) v = jit::bf16_to_float(jit::float_to_bf16(v));
    for (float& v : w) v = jit::bf16_to_float(jit::float_to_bf16(v));
  }
  jit::Epilogue epilogue;
  epilogue.activation = activation_;
  epilogue.residual_add = residual_;
  std::vector<float> c(m_ * stride, kUntouched);
  run_gemm(a, a_stride, w, bias, epilogue, c, stride, residual);
  for (size_t row = 0; row < m_; ++row) {
    for (size_t col = 0; col < n_; ++col) {
      double sum = bias[col];
      double magnitude = std::fabs(bias[col]);
      for (size_t i = 0; i < k_; ++i) {
        const double product = double{a[row * a_stride + i]} * w[col * k_ + i];
        sum += product;
        magnitude += std::fabs(product);
      }
      double expected = sum;
      if (activation_ == Activation::relu) expected = std::max(sum, 0.0);
      if (activation_ == Activation::gelu_erf) expected = exact_gelu(sum);
      if (residual_) {
        expected += residual[row * stride + col];
        magnitude += std::fabs(residual[row * stride + col]);
      }
      const double tolerance = 1e-5 * magnitude + activation_tolerance(activation_, float(sum));
      const float actual = c[row * stride + col];
      REQUIRE_MESSAGE(std::fabs(actual - expected) <= tolerance, "at ", row, ",", col, ": ", actual,
                      " vs ", expected);
    }
  }
  check_padding_untouched(c, m_, n_, stride);
}

void JitGemmTester::test_f32() const {
  check_float_gemm(
      false, [&](const std::vector<float>& a, size_t a_stride, const std::vector<float>& w,
                 const std::vector<float>& bias, const jit::Epilogue& epilogue,
                 std::vector<float>& c, size_t stride, const std::vector<float>& residual) {
        const jit::PackedF32Weights packed = jit::pack_f32_weights(w.data(), bias.data(), n_, k_);
        const jit::F32Gemm gemm(m_, n_, k_, epilogue);
        run_in_slices(n_, slices_, [&](jit::PanelRange range) {
          gemm.run(a.data(), a_stride, packed,
                   {c.data(), stride, residual_ ? residual.data() : nullptr, stride}, range);
        });
      });
}

void JitGemmTester::test_bf16() const {
  check_float_gemm(
      true, [&](const std::vector<float>& a, size_t a_stride, const std::vector<float>& w,
                const std::vector<float>& bias, const jit::Epilogue& epilogue,
                std::vector<float>& c, size_t stride, const std::vector<float>& residual) {
        const jit::PackedBf16Weights packed = jit::pack_bf16_weights(w.data(), bias.data(), n_, k_);
        jit::Bf16Rows rows;
        jit::convert_rows_to_bf16(a.data(), m_, k_, a_stride, rows);
        const jit::Bf16Gemm gemm(m_, n_, k_, epilogue);
        run_in_slices(n_, slices_, [&](jit::PanelRange range) {
          gemm.run(rows, packed, {c.data(), stride, residual_ ? residual.data() : nullptr, stride},
                   range);
        });
      });
}

}  // namespace encore::test
