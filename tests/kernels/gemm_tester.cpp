#include "tests/kernels/gemm_tester.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/gemm_packed_b.h"

namespace encore::test {

void GemmTester::Test() const {
  INFO("m=", m_, " n=", n_, " k=", k_, " padding=", padding_, " epilogue=", int(epilogue_),
       " bias=", bias_, " rows=[", m_begin_, ",", m_end_, ") panels=[", panel_begin_, ",",
       panel_end_, ")");
  std::mt19937 rng(static_cast<unsigned>(m_ * 7919 + n_ * 104729 + k_));
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  const int64_t lda = k_ + padding_, ldb = k_ + padding_, ldc = n_ + padding_;
  std::vector<float> a(std::max<int64_t>(1, m_ * lda)), b(std::max<int64_t>(1, n_ * ldb));
  std::vector<float> bias(n_), residual(m_ * ldc);
  for (float& v : a) v = uniform(rng);
  for (float& v : b) v = uniform(rng);
  for (float& v : bias) v = uniform(rng);
  for (float& v : residual) v = uniform(rng);

  const kernels::PackedB packed(b.data(), n_, k_, ldb);
  constexpr float kUntouched = 12345.0f;
  std::vector<float> c(m_ * ldc, kUntouched);

  kernels::GemmArgs args;
  args.a = a.data();
  args.lda = lda;
  args.packed_b = packed.data();
  args.bias = bias_ ? bias.data() : nullptr;
  args.c = c.data();
  args.ldc = ldc;
  args.m = m_;
  args.n = n_;
  args.k = k_;
  args.epilogue = epilogue_;
  args.residual = residual.data();
  args.ldr = ldc;
  const int64_t m_end = m_end_ < 0 ? m_ : m_end_;
  const int64_t panel_end = panel_end_ < 0 ? kernels::panel_count(n_) : panel_end_;
  kernels::gemm_f32(args, m_begin_, m_end, panel_begin_, panel_end);

  // The worst output relative to its tolerance, reported once per Test().
  double worst_ratio = 0, worst_got = 0, worst_expected = 0;
  int64_t worst_i = -1, worst_j = -1;
  int64_t touched_outside = 0;
  for (int64_t i = 0; i < m_; ++i) {
    for (int64_t j = 0; j < n_; ++j) {
      const float got = c[i * ldc + j];
      const bool inside = i >= m_begin_ && i < m_end && j >= panel_begin_ * kernels::kPanelWidth &&
                          j < panel_end * kernels::kPanelWidth;
      if (!inside) {
        touched_outside += got != kUntouched;
        continue;
      }
      double sum = 0, magnitude = 0;
      for (int64_t kk = 0; kk < k_; ++kk) {
        sum += double(a[i * lda + kk]) * b[j * ldb + kk];
        magnitude += std::abs(double(a[i * lda + kk]) * b[j * ldb + kk]);
      }
      if (bias_) sum += bias[j];
      double expected = sum;
      switch (epilogue_) {
        case kernels::Epilogue::kNone:
          break;
        case kernels::Epilogue::kRelu:
          expected = std::max(sum, 0.0);
          break;
        case kernels::Epilogue::kGelu:
          expected = 0.5 * sum * (1 + std::erf(sum / std::sqrt(2.0)));
          break;
        case kernels::Epilogue::kResidual:
          expected = sum + residual[i * ldc + j];
          break;
      }
      // fp32 accumulation: a few ulps of the magnitude of the terms, plus the epilogue's own error.
      const double tolerance = 1e-6 * (magnitude + 1.0) + 1e-6 * std::abs(expected);
      const double ratio = std::abs(got - expected) / tolerance;
      if (!(ratio <= worst_ratio)) {  // also catches NaN
        worst_ratio = ratio;
        worst_got = got;
        worst_expected = expected;
        worst_i = i;
        worst_j = j;
      }
    }
  }
  INFO("worst C[", worst_i, ",", worst_j, "] = ", worst_got, ", expected ", worst_expected);
  CHECK(worst_ratio <= 1.0);
  CHECK(touched_outside == 0);
}

}  // namespace encore::test
