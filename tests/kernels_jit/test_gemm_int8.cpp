// int8 VNNI GEMM: accumulators exact, dequantized epilogues against the scalar reference, over
// M in 1..70, 128, 384, 512 and N, K with tails (N not a multiple of 16, K not a multiple of 4).
#include <doctest/doctest.h>

#include <vector>

#include "jit_gemm_tester.h"
#include "kernels/jit/cpu_features.h"
#include "kernels/jit/gemm.h"
#include "support/error.h"

namespace encore::test {
namespace {

constexpr int kVnni = static_cast<int>(jit::IsaLevel::avx512_vnni);
const std::vector<size_t> kNs = {1, 15, 16, 17, 48, 63, 64, 65, 100, 130};
const std::vector<size_t> kKs = {1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 33, 67};

}  // namespace

TEST_CASE("int8 raw accumulators: every M to 70, rotating N and K tails") {
  if (!jit_level_available(kVnni)) return;
  for (size_t m = 1; m <= 70; ++m) {
    for (size_t i = 0; i < kNs.size(); ++i) {
      JitGemmTester().m(m).n(kNs[i]).k(kKs[(m + i) % kKs.size()]).padding(3).test_int8_raw();
    }
  }
}

TEST_CASE("int8 raw accumulators: every N and K tail at chosen M") {
  if (!jit_level_available(kVnni)) return;
  for (size_t m : {1, 6, 7, 13}) {
    for (size_t n : kNs) {
      for (size_t k : kKs) JitGemmTester().m(m).n(n).k(k).test_int8_raw();
    }
  }
}

TEST_CASE("int8 raw accumulators: large M, long K, many panels") {
  if (!jit_level_available(kVnni)) return;
  for (size_t m : {128, 384, 512}) {
    for (size_t n : {17, 64, 130}) JitGemmTester().m(m).n(n).k(m == 128 ? 301 : 67).test_int8_raw();
  }
  JitGemmTester().m(3).n(20).k(3072).test_int8_raw();  // the deepest DistilBERT K, no overflow
  JitGemmTester().m(2).n(300).k(9).slices(3).test_int8_raw();
}

TEST_CASE("int8 dequantized epilogues: bias, ReLU, GELU, residual") {
  if (!jit_level_available(kVnni)) return;
  for (size_t m : {1, 5, 6, 8, 19, 70}) {
    for (size_t n : {7, 16, 64, 79}) {
      const size_t k = kKs[(m + n) % kKs.size()] + 20;
      for (jit::Activation activation :
           {jit::Activation::none, jit::Activation::relu, jit::Activation::gelu_erf}) {
        JitGemmTester().m(m).n(n).k(k).activation(activation).test_int8();
        JitGemmTester().m(m).n(n).k(k).activation(activation).residual(true).padding(5).test_int8();
      }
    }
  }
}

TEST_CASE("int8 split into per-thread panel slices matches the whole") {
  if (!jit_level_available(kVnni)) return;
  for (size_t slices : {2, 3, 5}) {
    JitGemmTester().m(8).n(200).k(70).slices(slices).test_int8();
    JitGemmTester()
        .m(64)
        .n(321)
        .k(33)
        .slices(slices)
        .activation(jit::Activation::gelu_erf)
        .test_int8();
  }
}

TEST_CASE("int8 GEMM rejects operands of another shape or mode") {
  if (!jit_level_available(kVnni)) return;
  jit::QuantizedRows a;
  const std::vector<float> x(4 * 8, 0.5f);
  jit::quantize_rows(x.data(), 4, 8, 8, a);
  const std::vector<float> w(16 * 8, 0.25f);
  const jit::PackedInt8Weights packed = jit::pack_int8_weights(w.data(), nullptr, 16, 8);
  std::vector<float> c(4 * 16);
  const jit::Int8Gemm wrong_k(4, 16, 9, {});
  CHECK_THROWS_WITH_AS(wrong_k.run(a, packed, {c.data(), 16}), doctest::Contains("K=9"), Error);
  const jit::Int8Gemm plain(4, 16, 8, {});
  std::vector<int32_t> raw(4 * 16);
  CHECK_THROWS_WITH_AS(plain.run_raw(a, packed, raw.data(), 16), doctest::Contains("raw_int32"),
                       Error);
  jit::Epilogue with_residual;
  with_residual.residual_add = true;
  const jit::Int8Gemm needs_residual(4, 16, 8, with_residual);
  CHECK_THROWS_WITH_AS(needs_residual.run(a, packed, {c.data(), 16}),
                       doctest::Contains("without a residual"), Error);
}

}  // namespace encore::test
