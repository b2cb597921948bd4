// bf16 (vdpbf16ps) GEMM: fp32 accumulation of bf16 products, within 1e-5 of a double reference on
// the same bf16-rounded inputs; K tails (odd K) and N tails.
#include <doctest/doctest.h>

#include <vector>

#include "jit_gemm_tester.h"
#include "kernels/jit/cpu_features.h"

namespace encore::test {
namespace {

constexpr int kAvx512 = static_cast<int>(jit::IsaLevel::avx512);

bool bf16_available() {
  if (!jit_level_available(kAvx512)) return false;
  if (jit::cpu_features().has_bf16) return true;
  MESSAGE("skipped: this CPU lacks AVX512_BF16");
  return false;
}

}  // namespace

TEST_CASE("bf16: M to 70 with N and K tails, epilogues, long K, slices") {
  if (!bf16_available()) return;
  const std::vector<size_t> ns = {1, 16, 17, 63, 64, 65, 130};
  const std::vector<size_t> ks = {1, 2, 3, 5, 8, 17, 67};
  for (size_t m = 1; m <= 70; ++m) {
    for (size_t i = 0; i < ns.size(); ++i) {
      JitGemmTester().m(m).n(ns[i]).k(ks[(m + i) % ks.size()]).padding(1).test_bf16();
    }
  }
  for (size_t m : {128, 384, 512}) JitGemmTester().m(m).n(79).k(33).test_bf16();
  for (jit::Activation activation :
       {jit::Activation::none, jit::Activation::relu, jit::Activation::gelu_erf}) {
    JitGemmTester().m(7).n(79).k(45).activation(activation).residual(true).test_bf16();
  }
  JitGemmTester().m(5).n(70).k(4099).residual(true).test_bf16();  // K chunks with an odd tail
  JitGemmTester().m(9).n(321).k(40).slices(3).test_bf16();
}

}  // namespace encore::test
