// The planner's decisions, for a fixed cache geometry (the tester sweeps run with the real one).
#include <doctest/doctest.h>

#include "kernels/jit/gemm_plan.h"
#include "support/error.h"

namespace encore::jit {
namespace {

const CacheSizes kZen{32 * 1024, 1024 * 1024, 32 * 1024 * 1024};

}  // namespace

TEST_CASE("row blocks are balanced and at most kMaxRows") {
  const GemmPlan eight = plan_gemm(GemmPrecision::int8_vnni, 8, 768, 768, {}, kZen);
  CHECK(eight.m_block == 4);
  CHECK(eight.full_row_blocks == 2);
  CHECK(eight.tail_rows == 0);
  const GemmPlan seven = plan_gemm(GemmPrecision::fp32, 7, 768, 768, {}, kZen);
  CHECK(seven.m_block == 4);
  CHECK(seven.tail_rows == 3);
  CHECK(seven.kernels[0][1][0].m_rows == 3);
  const GemmPlan many = plan_gemm(GemmPrecision::fp32, 512, 768, 768, {}, kZen);
  CHECK(many.m_block == kMaxRows);
}

TEST_CASE("N tails become a masked last register; K tails a zero-padded int8 group") {
  const GemmPlan plan = plan_gemm(GemmPrecision::int8_vnni, 6, 100, 10, {}, kZen);
  CHECK(plan.panel_count == 2);
  CHECK(plan.has_tail_panel);
  const GemmKernelDesc& tail = plan.kernels[0][0][1];
  CHECK(tail.n_regs == 3);  // 36 lanes = 2 full registers + 4
  CHECK(tail.last_reg_lanes == 4);
  CHECK(tail.k_steps == 3);  // ceil(10 / 4)
  const GemmPlan narrow = plan_gemm(GemmPrecision::fp32, 6, 16, 10, {}, kZen);
  CHECK(narrow.kernels[0][0][0].k_steps == 0);  // no full panel at N < 64
}

TEST_CASE("long fp32 K is chunked to fit L2; int8 panels are small enough whole") {
  const GemmPlan f32 = plan_gemm(GemmPrecision::fp32, 64, 768, 3072, {}, kZen);
  CHECK(f32.k_chunk_count == 3);
  CHECK(f32.k_chunk_steps == 1024);
  CHECK(f32.kernels[static_cast<int>(KChunk::middle)][0][0].k_steps == 1024);
  // (M = 6: one row block, so no next-block prefetch, whose blocks are a quarter of L2.)
  const GemmPlan int8 = plan_gemm(GemmPrecision::int8_vnni, 6, 768, 3072, {}, kZen);
  CHECK(int8.k_chunk_count == 1);
  CHECK(int8.panels_per_block >= 2);
}

TEST_CASE("the planner rejects empty problems and raw output outside int8") {
  CHECK_THROWS_AS(plan_gemm(GemmPrecision::fp32, 0, 8, 8, {}, kZen), Error);
  Epilogue raw;
  raw.raw_int32 = true;
  CHECK_THROWS_AS(plan_gemm(GemmPrecision::fp32, 4, 8, 8, raw, kZen), Error);
}

}  // namespace encore::jit
