// The planner: from the problem shape and the cache sizes, decides row blocking, N cache blocking
// and the (at most four) micro-kernel descriptors a GEMM needs. Pure function, no code emitted.
#pragma once

#include <cstddef>

#include "kernels/jit/cpu_features.h"
#include "kernels/jit/gemm_desc.h"

namespace encore::jit {

struct GemmPlan {
  size_t m = 0, n = 0, k = 0;
  Epilogue epilogue;
  size_t m_block = 0;  // rows per full row block (<= kMaxRows)
  size_t full_row_blocks = 0;
  size_t tail_rows = 0;         // rows of the last, shorter block (0 = none)
  size_t panel_count = 0;       // 64-lane panels covering n
  bool has_tail_panel = false;  // the last panel is partial (n % 64 != 0)
  size_t panels_per_block = 0;  // panels whose weights stay in L2 while all rows pass over them
  size_t k_chunk_steps = 0;     // K steps per chunk (fp32 splits long K so a chunk fits L2)
  size_t k_chunk_count = 1;
  // Lines of the next block of panels each kernel prefetches per K step (GemmKernelDesc).
  uint8_t lookahead_lines = 0;
  // kernels[KChunk][row tail][panel tail]: [*][0][0] full rows x full panels, [*][1][*] the row
  // tail, [*][*][1] the N-tail panel. Entries whose case does not occur keep k_steps == 0.
  GemmKernelDesc kernels[4][2][2];
};

GemmPlan plan_gemm(GemmPrecision precision, size_t m, size_t n, size_t k, const Epilogue& epilogue,
                   const CacheSizes& caches);

}  // namespace encore::jit
