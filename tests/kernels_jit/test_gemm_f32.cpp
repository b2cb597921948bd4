// fp32 AVX-512 GEMM within 1e-5 of a double reference (relative to sum |a b|), same shape sweep.
#include <doctest/doctest.h>

#include <vector>

#include "jit_gemm_tester.h"
#include "kernels/jit/cpu_features.h"
#include "kernels/jit/gemm.h"

namespace encore::test {
namespace {

constexpr int kAvx512 = static_cast<int>(jit::IsaLevel::avx512);
const std::vector<size_t> kNs = {1, 15, 16, 17, 48, 63, 64, 65, 100, 130};
const std::vector<size_t> kKs = {1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 33, 67};

}  // namespace

TEST_CASE("fp32: every M to 70, rotating N and K") {
  if (!jit_level_available(kAvx512)) return;
  for (size_t m = 1; m <= 70; ++m) {
    for (size_t i = 0; i < kNs.size(); ++i) {
      JitGemmTester().m(m).n(kNs[i]).k(kKs[(m + i) % kKs.size()]).padding(3).test_f32();
    }
  }
}

TEST_CASE("fp32: every N and K at chosen M") {
  if (!jit_level_available(kAvx512)) return;
  for (size_t m : {1, 6, 7, 13}) {
    for (size_t n : kNs) {
      for (size_t k : kKs) JitGemmTester().m(m).n(n).k(k).test_f32();
    }
  }
}

TEST_CASE("fp32: large M, long K, epilogues, slices") {
  if (!jit_level_available(kAvx512)) return;
  for (size_t m : {128, 384, 512}) {
    for (size_t n : {17, 64, 130}) JitGemmTester().m(m).n(n).k(m == 128 ? 301 : 67).test_f32();
  }
  JitGemmTester().m(3).n(20).k(3072).test_f32();
  for (jit::Activation activation :
       {jit::Activation::none, jit::Activation::relu, jit::Activation::gelu_erf}) {
    for (size_t m : {1, 6, 11, 64}) {
      JitGemmTester().m(m).n(79).k(45).activation(activation).test_f32();
      JitGemmTester().m(m).n(79).k(45).activation(activation).residual(true).padding(2).test_f32();
    }
  }
  for (size_t slices : {2, 3}) JitGemmTester().m(9).n(321).k(40).slices(slices).test_f32();
}

}  // namespace encore::test

namespace encore::test {

TEST_CASE("fp32 residual may alias the output (in-place linear(x) + x)") {
  if (!jit_level_available(kAvx512)) return;
  const size_t m = 7, n = 70, k = 9;
  std::vector<float> a(m * k), w(n * k), start(m * n);
  for (size_t i = 0; i < a.size(); ++i) a[i] = 0.01f * static_cast<float>(i % 13);
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.02f * static_cast<float>(i % 7) - 0.05f;
  for (size_t i = 0; i < start.size(); ++i) start[i] = static_cast<float>(i % 5);
  const jit::PackedF32Weights packed = jit::pack_f32_weights(w.data(), nullptr, n, k);
  jit::Epilogue epilogue;
  epilogue.residual_add = true;
  const jit::F32Gemm gemm(m, n, k, epilogue);
  std::vector<float> separate(m * n);
  gemm.run(a.data(), k, packed, {separate.data(), n, start.data(), n});
  std::vector<float> in_place = start;
  gemm.run(a.data(), k, packed, {in_place.data(), n, in_place.data(), n});
  CHECK(in_place == separate);
}

}  // namespace encore::test
