// fp32 AVX-512 GEMM within 1e-5 of a double reference (relative to sum |a b|), same shape sweep.
#include <doctest/doctest.h>

#include <vector>

#include "jit_gemm_tester.h"
#include "kernels/jit/cpu_features.h"

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
  // Long K: split into L2-sized chunks with partial sums in C (3 chunks with a 1 MB L2).
  JitGemmTester().m(3).n(20).k(3072).test_f32();
  JitGemmTester()
      .m(7)
      .n(79)
      .k(2100)
      .activation(jit::Activation::gelu_erf)
      .residual(true)
      .test_f32();
  JitGemmTester().m(13).n(130).k(1500).slices(2).padding(1).test_f32();
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
