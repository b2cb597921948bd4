// Activation rows to bf16: the vector conversion (AVX512_BF16, when the level in use has it) equals
// the scalar float_to_bf16 rounding bit for bit on normal values, for every K tail, and writes
// nothing outside each row.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "jit_gemm_tester.h"
#include "kernels/jit/bf16.h"
#include "kernels/jit/cpu_features.h"

namespace encore::jit {

TEST_CASE("bf16 rows equal float_to_bf16 exactly, for every K tail, with strides") {
  if (!test::jit_level_available(static_cast<int>(IsaLevel::portable))) return;
  std::mt19937 random(11);
  std::uniform_real_distribution<float> mantissa(-2.0f, 2.0f);
  std::uniform_int_distribution<int> exponent(-60, 60);
  for (size_t k : {1, 2, 3, 15, 16, 17, 31, 32, 33, 63, 100, 768, 3072}) {
    const size_t m = 4, x_stride = k + 5;
    std::vector<float> x(m * x_stride);
    for (float& v : x) v = std::ldexp(mantissa(random), exponent(random));
    x[0] = 1.0f + 0x1p-8f;  // ties: to even, down
    if (k > 1) x[1] = 1.0f + 0x1p-7f + 0x1p-8f;  // and up
    Bf16Rows rows;
    shape_bf16_rows(m, k, rows);
    std::fill(rows.data.begin(), rows.data.end(), uint16_t{0xDEAD});
    convert_row_range_to_bf16(x.data(), x_stride, 1, m, rows);  // row 0 left alone
    INFO("k ", k);
    for (size_t i = 0; i < rows.stride; ++i) REQUIRE(rows.data[i] == 0xDEAD);
    for (size_t row = 1; row < m; ++row) {
      for (size_t i = 0; i < k; ++i) {
        REQUIRE(rows.data[row * rows.stride + i] == float_to_bf16(x[row * x_stride + i]));
      }
      if (rows.stride > k) CHECK(rows.data[row * rows.stride + k] == 0);
    }
  }
}

TEST_CASE("bf16 rows: NaN stays NaN; denormals become zero where the vector conversion runs") {
  if (!test::jit_level_available(static_cast<int>(IsaLevel::portable))) return;
  const std::vector<float> x = {NAN, 1e-40f, -1e-40f, 3.0f};
  Bf16Rows rows;
  convert_rows_to_bf16(x.data(), 1, x.size(), x.size(), rows);
  CHECK(std::isnan(bf16_to_float(rows.data[0])));
  const CpuFeatures& cpu = cpu_features();
  if (cpu.level >= IsaLevel::avx512 && cpu.has_bf16) {
    CHECK(bf16_to_float(rows.data[1]) == 0.0f);  // vcvtneps2bf16 treats denormal inputs as 0,
    CHECK(bf16_to_float(rows.data[2]) == 0.0f);  // as vdpbf16ps does with denormal operands
  } else {
    CHECK(rows.data[1] == float_to_bf16(1e-40f));
    CHECK(rows.data[2] == float_to_bf16(-1e-40f));
  }
  CHECK(bf16_to_float(rows.data[3]) == 3.0f);
}

}  // namespace encore::jit
