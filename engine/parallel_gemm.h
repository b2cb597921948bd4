// parallel_gemm — one kernels::gemm_f32 split over a ThreadPool into disjoint blocks of C.
#pragma once

#include "engine/thread_pool.h"
#include "kernels/gemm_f32.h"

namespace encore::engine {

// Row blocks of 96 (a multiple of every target's row tile) × chunks of 16-wide panels, with about
// four tasks per worker so uneven blocks still balance. Short inputs (a few tokens) split by
// columns.
void parallel_gemm(ThreadPool& pool, const kernels::GemmArgs& args);

}  // namespace encore::engine
