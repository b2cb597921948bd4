// The attention_head encore used before the fused kernel (kept here, only for the side-by-side
// benchmark): K and V packed into GEMM panels, then per 32-query block gemm_f32 → softmax_row →
// gemm_f32. Same AttentionArgs and semantics as kernels/attention.h.
#pragma once

#include <cstdint>

#include "kernels/attention.h"

namespace encore::bench {

int64_t gemm_attention_scratch_floats(int64_t seq, int64_t head_dim);

void gemm_attention_head(const kernels::AttentionArgs& args, float* scratch);

}  // namespace encore::bench
