#include "engine/parallel_gemm.h"

#include <algorithm>

#include "kernels/gemm_packed_b.h"

namespace encore::engine {
namespace {

constexpr int64_t kRowsPerTask = 96;
constexpr int64_t kTasksPerWorker = 4;

int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

}  // namespace

void parallel_gemm(ThreadPool& pool, const kernels::GemmArgs& args) {
  const int64_t panels = kernels::panel_count(args.n);
  if (pool.size() == 1 || args.m == 0 || panels == 0) return kernels::gemm_f32(args);
  const int64_t row_blocks = ceil_div(args.m, kRowsPerTask);
  const int64_t panel_chunks =
      std::clamp<int64_t>(ceil_div(kTasksPerWorker * pool.size(), row_blocks), 1, panels);
  const int64_t panels_per_chunk = ceil_div(panels, panel_chunks);
  const int64_t chunks = ceil_div(panels, panels_per_chunk);
  pool.parallel_for(row_blocks * chunks, [&](int64_t task, int) {
    const int64_t row_block = task / chunks;
    const int64_t chunk = task % chunks;
    const int64_t m_begin = row_block * kRowsPerTask;
    const int64_t panel_begin = chunk * panels_per_chunk;
    kernels::gemm_f32(args, m_begin, std::min(m_begin + kRowsPerTask, args.m), panel_begin,
                      std::min(panel_begin + panels_per_chunk, panels));
  });
}

}  // namespace encore::engine
