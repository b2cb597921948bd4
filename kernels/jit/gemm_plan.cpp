#include "kernels/jit/gemm_plan.h"

#include <algorithm>
#include <cstdlib>

#include "kernels/jit/panel_layout.h"
#include "support/error.h"

namespace encore::jit {
namespace {

constexpr uint8_t kKUnroll = 4;
// Weights are prefetched 16 K steps (4 KB) ahead: at batch 1 they stream from memory, and this
// made the cold M=8 GEMMs of tools/bench_kernels --cold 10-20% faster (one core: 12 → 13-15 GB/s)
// with no loss when they come from cache (int8 M=128; fp32 forwards at seq 64/128 unchanged).
constexpr uint8_t kWeightPrefetchSteps = 16;

// ENCORE_GEMM_LOOKAHEAD: unset = the planner's choice, 0 = no next-block prefetch, 1..4 = that many
// lines per K step (for measuring side by side).
int lookahead_override() {
  static const int lines = [] {
    const char* value = std::getenv("ENCORE_GEMM_LOOKAHEAD");
    if (!value || value[0] < '0' || value[0] > '4' || value[1] != 0) return -1;
    return value[0] - '0';
  }();
  return lines;
}

// Lines of the next weights block to prefetch per K step so that the row blocks' passes over the
// current block fetch all of it (4 lines = one 256-byte step, int8 and bf16 alike; fp32 streams
// four times the bytes per FLOP of int8 and is compute-bound sooner): one pass has nothing to overlap,
// and beyond kMaxLookaheadRowBlocks memory time is small next to compute while the later passes'
// prefetches (re-touching cached panels) cost load slots: M=512 ran 3-5% slower with them.
constexpr size_t kMaxLookaheadRowBlocks = 16;  // M ≤ 96

uint8_t lookahead_lines(GemmPrecision precision, size_t row_blocks) {
  if (precision == GemmPrecision::fp32 || row_blocks < 2) return 0;
  if (row_blocks > kMaxLookaheadRowBlocks) return 0;
  if (lookahead_override() >= 0) return static_cast<uint8_t>(lookahead_override());
  return row_blocks >= 4 ? 1 : 2;
}

GemmKernelDesc make_desc(GemmPrecision precision, size_t rows, size_t lanes, size_t k_steps,
                         KChunk k_chunk, const Epilogue& epilogue) {
  GemmKernelDesc desc;
  desc.precision = precision;
  desc.m_rows = static_cast<uint8_t>(rows);
  desc.n_regs = static_cast<uint8_t>((lanes + kLanesPerZmm - 1) / kLanesPerZmm);
  desc.last_reg_lanes = static_cast<uint8_t>(lanes - (desc.n_regs - 1) * kLanesPerZmm);
  desc.k_steps = static_cast<uint32_t>(k_steps);
  desc.k_chunk = k_chunk;
  desc.k_unroll = static_cast<uint8_t>(std::min<size_t>(kKUnroll, k_steps));
  desc.prefetch_steps = kWeightPrefetchSteps;
  desc.epilogue = epilogue;
  return desc;
}

}  // namespace

GemmPlan plan_gemm(GemmPrecision precision, size_t m, size_t n, size_t k, const Epilogue& epilogue,
                   const CacheSizes& caches) {
  if (m == 0 || n == 0 || k == 0) throw_error("plan_gemm: empty problem M=", m, " N=", n, " K=", k);
  if (epilogue.raw_int32 && (precision != GemmPrecision::int8_vnni || epilogue.residual_add ||
                             epilogue.activation != Activation::none)) {
    throw_error("plan_gemm: raw int32 output is an int8 mode without activation or residual");
  }
  const bool int8 = precision == GemmPrecision::int8_vnni;
  const size_t k_steps = int8                               ? Int8PanelLayout::k_groups(k)
                         : precision == GemmPrecision::bf16 ? Bf16PanelLayout::k_groups(k)
                                                            : k;
  if (k_steps > UINT32_MAX / 2) throw_error("plan_gemm: K=", k, " too large");

  GemmPlan plan;
  plan.m = m;
  plan.n = n;
  plan.k = k;
  plan.epilogue = epilogue;
  // Balanced row blocks of at most kMaxRows: M=8 runs as 4+4 rather than 6+2.
  const size_t blocks = (m + kMaxRows - 1) / kMaxRows;
  plan.m_block = (m + blocks - 1) / blocks;
  plan.full_row_blocks = m / plan.m_block;
  plan.tail_rows = m % plan.m_block;
  plan.panel_count = panel_count_for(n);
  plan.has_tail_panel = n % kPanelLanes != 0;
  // Half of L2 for the weights block: the other half holds the A rows and C tiles passing through.
  const size_t panel_bytes = k_steps * kPanelStepBytes;
  // With the next block prefetched alongside (int8 with several row blocks), a quarter of L2
  // each, so the two never evict one another.
  const uint8_t lookahead = lookahead_lines(precision, blocks);
  plan.panels_per_block = std::max<size_t>(1, caches.l2 / (lookahead ? 4 : 2) / panel_bytes);
  plan.lookahead_lines = lookahead;
  // fp32/bf16 with a long K: a whole panel no longer fits beside the A rows, so split K into chunks
  // of at most a quarter of L2 per panel, accumulating partial sums in C (float). int8 keeps K
  // whole: its panels hold 4 k per step, and its partial sums would be int32.
  const size_t max_chunk_steps = std::max<size_t>(64, caches.l2 / 4 / kPanelStepBytes);
  const size_t chunks = int8 ? 1 : (k_steps + max_chunk_steps - 1) / max_chunk_steps;
  plan.k_chunk_steps = (k_steps + chunks - 1) / chunks;
  plan.k_chunk_count = (k_steps + plan.k_chunk_steps - 1) / plan.k_chunk_steps;
  const size_t last_chunk_steps = k_steps - (plan.k_chunk_count - 1) * plan.k_chunk_steps;

  const size_t tail_lanes = n % kPanelLanes;
  const size_t row_counts[2] = {plan.m_block, plan.tail_rows};
  const size_t lane_counts[2] = {n >= kPanelLanes ? kPanelLanes : 0, tail_lanes};
  for (KChunk chunk : {KChunk::whole, KChunk::first, KChunk::middle, KChunk::last}) {
    const bool used =
        plan.k_chunk_count == 1
            ? chunk == KChunk::whole
            : chunk != KChunk::whole && (chunk != KChunk::middle || plan.k_chunk_count > 2);
    if (!used) continue;
    const size_t chunk_steps = chunk == KChunk::last ? last_chunk_steps : plan.k_chunk_steps;
    for (int row_tail = 0; row_tail < 2; ++row_tail) {
      for (int panel_tail = 0; panel_tail < 2; ++panel_tail) {
        if (row_counts[row_tail] == 0 || lane_counts[panel_tail] == 0) continue;
        plan.kernels[static_cast<int>(chunk)][row_tail][panel_tail] = make_desc(
            precision, row_counts[row_tail], lane_counts[panel_tail], chunk_steps, chunk, epilogue);
        plan.kernels[static_cast<int>(chunk)][row_tail][panel_tail].lookahead_lines = lookahead;
      }
    }
  }
  return plan;
}

}  // namespace encore::jit
