// Packing, bf16 rounding and activation quantization: the values the GEMM epilogues rely on.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "jit_gemm_tester.h"
#include "kernels/jit/bf16.h"
#include "kernels/jit/cpu_features.h"
#include "kernels/jit/gemm.h"
#include "kernels/jit/packed_weights.h"
#include "kernels/jit/quantized_rows.h"
#include "support/error.h"

namespace encore::jit {
namespace {

template <typename T>
T read_at(const std::byte* at) {
  T value;
  std::memcpy(&value, at, sizeof value);
  return value;
}

}  // namespace

TEST_CASE("int8 packing: per-channel scale, symmetric values, column sums, bias, zero padding") {
  const size_t n = 70, k = 6;  // two panels, K tail of 2
  std::vector<float> w(n * k), bias(n);
  for (size_t col = 0; col < n; ++col) {
    for (size_t i = 0; i < k; ++i) w[col * k + i] = (static_cast<float>(i) - 2.5f) * (col + 1);
    bias[col] = 0.5f * col;
  }
  const PackedInt8Weights packed = pack_int8_weights(w.data(), bias.data(), n, k);
  REQUIRE(packed.panel_count() == 2);
  for (size_t col : {0, 1, 63, 64, 69}) {
    const std::byte* panel = packed.panel(col / 64);
    const size_t lane = col % 64;
    const float scale = read_at<float>(panel + Int8PanelLayout::scale_offset + lane * 4);
    CHECK(scale == doctest::Approx(2.5f * (col + 1) / 127.0f));
    CHECK(read_at<float>(panel + Int8PanelLayout::bias_offset + lane * 4) == bias[col]);
    int32_t sum = 0;
    for (size_t i = 0; i < 8; ++i) {
      const auto q = read_at<int8_t>(panel + Int8PanelLayout::weights_offset +
                                     (i / 4) * Int8PanelLayout::group_bytes + lane * 4 + i % 4);
      if (i >= k) {
        CHECK(q == 0);
        continue;
      }
      CHECK(std::fabs(q * scale - w[col * k + i]) <= scale / 2 + 1e-6f);
      sum += q;
    }
    CHECK(read_at<int32_t>(panel + Int8PanelLayout::colsum_offset + lane * 4) == sum);
  }
  // Lanes past N in the last panel are zero, so full-width loads add nothing.
  CHECK(read_at<float>(packed.panel(1) + Int8PanelLayout::scale_offset + 10 * 4) == 0.0f);
}

TEST_CASE("int8 packing rejects empty and non-finite weights") {
  const std::vector<float> w = {1.0f, NAN};
  CHECK_THROWS_WITH_AS(pack_int8_weights(w.data(), nullptr, 1, 2),
                       doctest::Contains("output channel 0"), Error);
  CHECK_THROWS_AS(pack_f32_weights(w.data(), nullptr, 0, 2), Error);
}

TEST_CASE("per-row activation quantization: range includes 0, error within half a step") {
  // quantize_rows dispatches on cpu_features(): skip if ENCORE_ISA asks for more than the CPU.
  if (!test::jit_level_available(static_cast<int>(IsaLevel::portable))) return;
  const size_t m = 3, k = 7, stride = 9;
  std::vector<float> x(m * stride, 99.0f);  // padding columns must be ignored
  for (size_t i = 0; i < k; ++i) {
    x[0 * stride + i] = 0.1f * i + 0.5f;   // all positive: zero point 0
    x[1 * stride + i] = -3.0f + 0.9f * i;  // mixed signs
    x[2 * stride + i] = 0.0f;              // constant zero row
  }
  QuantizedRows q;
  quantize_rows(x.data(), m, k, stride, q);
  REQUIRE(q.stride == 8);
  CHECK(q.zero_point[0] == 0);
  CHECK(q.scale[2] == 0.0f);
  for (size_t row = 0; row < m; ++row) {
    CHECK(q.data[row * q.stride + 7] == 0);  // K padding
    for (size_t i = 0; i < k; ++i) {
      const float restored = q.scale[row] * (q.data[row * q.stride + i] - q.zero_point[row]);
      CHECK(std::fabs(restored - x[row * stride + i]) <= q.scale[row] * 0.51f + 1e-7f);
    }
  }
}

TEST_CASE("split_panels covers every panel exactly once") {
  for (size_t panels : {1, 2, 7, 12, 48}) {
    for (size_t parts : {1, 2, 3, 8}) {
      size_t next = 0;
      for (size_t part = 0; part < parts; ++part) {
        const PanelRange range = split_panels(panels, part, parts);
        CHECK(range.first == next);
        next += range.count;
      }
      CHECK(next == panels);
    }
  }
  CHECK_THROWS_AS(split_panels(4, 2, 2), Error);
}

}  // namespace encore::jit

namespace encore::jit {

TEST_CASE("bf16 rounding: nearest, ties to even, NaN stays NaN; bf16 rows pad odd K with 0") {
  CHECK(float_to_bf16(1.0f) == 0x3F80);
  CHECK(bf16_to_float(float_to_bf16(1.0f + 0x1p-8f)) == 1.0f);  // tie, even stays
  CHECK(bf16_to_float(float_to_bf16(1.0f + 0x1p-7f + 0x1p-8f)) == 1.0f + 0x1p-6f);  // tie, odd up
  CHECK(bf16_to_float(float_to_bf16(1.0f + 0x1p-8f + 0x1p-12f)) == 1.0f + 0x1p-7f);
  CHECK(std::isnan(bf16_to_float(float_to_bf16(NAN))));
  const std::vector<float> x = {1.5f, -2.0f, 3.0f};
  Bf16Rows rows;
  convert_rows_to_bf16(x.data(), 1, 3, 3, rows);
  REQUIRE(rows.stride == 4);
  CHECK(bf16_to_float(rows.data[1]) == -2.0f);
  CHECK(rows.data[3] == 0);
}

}  // namespace encore::jit

namespace encore::jit {

TEST_CASE("quantize_rows equals a scalar reference exactly, for every K tail") {
  // quantize_rows dispatches on cpu_features(): skip if ENCORE_ISA asks for more than the CPU.
  if (!test::jit_level_available(static_cast<int>(IsaLevel::portable))) return;
  std::mt19937 random(7);
  std::uniform_real_distribution<float> value(-3.0f, 2.0f);
  for (size_t k : {1, 2, 3, 15, 16, 17, 31, 33, 64, 100, 768}) {
    const size_t m = 5, stride = k + 3;
    std::vector<float> x(m * stride);
    for (float& v : x) v = value(random);
    for (size_t i = 0; i < k; ++i) x[3 * stride + i] = std::fabs(x[3 * stride + i]);  // zp 0
    QuantizedRows q;
    quantize_rows(x.data(), m, k, stride, q);
    for (size_t row = 0; row < m; ++row) {
      const float* in = x.data() + row * stride;
      float low = 0.0f, high = 0.0f;
      for (size_t i = 0; i < k; ++i) {
        low = std::min(low, in[i]);
        high = std::max(high, in[i]);
      }
      const float scale = (high - low) / 255.0f;
      const float inverse = 1.0f / scale;
      const float zero_point = std::clamp(std::nearbyint(-low * inverse), 0.0f, 255.0f);
      INFO("K=", k, " row ", row);
      REQUIRE(q.scale[row] == scale);
      REQUIRE(q.zero_point[row] == static_cast<int32_t>(zero_point));
      for (size_t i = 0; i < k; ++i) {
        const float expected =
            std::clamp(std::nearbyint(in[i] * inverse) + zero_point, 0.0f, 255.0f);
        REQUIRE(q.data[row * q.stride + i] == static_cast<uint8_t>(expected));
      }
    }
  }
}

}  // namespace encore::jit
