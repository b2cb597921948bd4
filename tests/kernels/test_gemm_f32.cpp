// gemm_f32 and the B packing against a float64 reference, sweeping M, N and K edges on every
// target.
#include <doctest/doctest.h>

#include "kernels/gemm_packed_b.h"
#include "tests/kernels/for_each_target.h"
#include "tests/kernels/gemm_tester.h"

using encore::kernels::Epilogue;
using encore::test::for_each_target;
using encore::test::GemmTester;

TEST_CASE("gemm_f32: every M from 1 to 70 (row tiles and their tails)") {
  for_each_target([] {
    for (int64_t m = 1; m <= 70; ++m) GemmTester().m(m).n(19).k(37).Test();
  });
}

TEST_CASE("gemm_f32: N tails within and across 16-wide panels") {
  for_each_target([] {
    for (int64_t n = 1; n <= 50; ++n) GemmTester().m(13).n(n).k(9).Test();
  });
}

TEST_CASE("gemm_f32: K below, at and above the 256-deep k-block, with many row tiles") {
  for_each_target([] {
    for (int64_t k : {0, 1, 2, 15, 255, 256, 257, 513})
      for (int64_t m : {5, 40}) GemmTester().m(m).n(33).k(k).Test();
  });
}

TEST_CASE(
    "gemm_f32: a single row tile with K deeper than its k-slice (2048 on AVX-512, 4096 on AVX2)") {
  for_each_target([] {
    for (int64_t k : {2049, 4200}) GemmTester().m(5).n(20).k(k).epilogue(Epilogue::kGelu).Test();
  });
}

TEST_CASE("gemm_f32: strided A, B and C; no bias") {
  for_each_target([] {
    GemmTester().m(17).n(21).k(300).padding(3).Test();
    GemmTester().m(17).n(21).k(300).padding(5).bias(false).Test();
  });
}

TEST_CASE("gemm_f32: fused epilogues") {
  for_each_target([] {
    for (Epilogue e : {Epilogue::kRelu, Epilogue::kGelu, Epilogue::kResidual}) {
      for (int64_t m : {1, 12, 29}) {
        GemmTester().m(m).n(40).k(70).epilogue(e).Test();
        GemmTester().m(m).n(7).k(270).epilogue(e).padding(2).Test();
      }
    }
  });
}

TEST_CASE("gemm_f32: a sub-block writes exactly its rows and panels (threads split C this way)") {
  for_each_target([] {
    GemmTester().m(50).n(70).k(30).rows(7, 31).panels(1, 3).Test();
    GemmTester().m(50).n(70).k(300).rows(0, 50).panels(4, 5).epilogue(Epilogue::kGelu).Test();
    GemmTester().m(9).n(40).k(30).rows(3, 3).Test();  // empty
  });
}

TEST_CASE("pack_b_kn (from Bᵀ) and pack_b_nk (from B) produce the same panels") {
  const int64_t n = 37, k = 11;
  std::vector<float> b(n * k), b_transposed(k * n);
  for (int64_t j = 0; j < n; ++j)
    for (int64_t kk = 0; kk < k; ++kk)
      b[j * k + kk] = b_transposed[kk * n + j] = float(j * 100 + kk);
  std::vector<float> from_nk(encore::kernels::packed_b_floats(n, k), -1.0f);
  std::vector<float> from_kn(from_nk.size(), -2.0f);
  encore::kernels::pack_b_nk(b.data(), n, k, k, from_nk.data());
  encore::kernels::pack_b_kn(b_transposed.data(), n, k, n, from_kn.data());
  CHECK(from_nk == from_kn);
  // Column 35 lives in panel 2, lane 3; padding columns are zero.
  CHECK(from_nk[(2 * k + 4) * 16 + 3] == 3504.0f);
  CHECK(from_nk[(2 * k + 4) * 16 + 5] == 0.0f);
}
