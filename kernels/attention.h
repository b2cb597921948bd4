// Scaled dot-product attention for one (sequence, head), as in transformers' DistilBERT:
//
//     out = softmax(mask((Q·scale)·Kᵀ)) · V
//
// where masked keys get float32 lowest (-3.4028235e38, torch.finfo.min) before the softmax, so a
// fully masked row attends uniformly to every key, exactly like the reference.
#pragma once

#include <cstdint>

namespace encore::kernels {

struct AttentionArgs {
  // Q, K, V: [seq, head_dim] row-major with their own row strides (they usually are column slices
  // of one fused QKV activation [seq, 3·dim]).
  const float* q = nullptr;
  int64_t ldq = 0;
  const float* k = nullptr;
  int64_t ldk = 0;
  const float* v = nullptr;
  int64_t ldv = 0;
  const int32_t* key_mask = nullptr;  // [seq]: 0 masks key j; null means no mask
  float* out = nullptr;               // [seq, head_dim], row stride ld_out; may not alias Q, K, V
  int64_t ld_out = 0;
  int64_t seq = 0;
  int64_t head_dim = 0;
  float scale = 1.0f;  // applied to Q before the product (1/√head_dim)
};

// Floats of scratch attention_head needs for this shape: packed K, one query block's scores and
// partial outputs (attention_layout.h). Enough for any shorter seq or smaller head_dim too.
int64_t attention_scratch_floats(int64_t seq, int64_t head_dim);

// Fused: scores, mask, softmax and ·V per block of query rows, without writing seq² scores; keys
// after the last unmasked one (padding) cost nothing. scratch: attention_scratch_floats(seq,
// head_dim) floats, 64-byte aligned, owned by the caller (one per thread). Valid for seq ≥ 1,
// head_dim ≥ 1 and finite inputs.
// Max error: |Δ| ≤ 1e-5 · Σ_j p_j·|v_j| against the float64 result (tested for scores spread over
// several units, seq ≤ 1030); fp32 products, Highway's Exp (1 ulp), the 1/Σ applied at the end.
void attention_head(const AttentionArgs& args, float* scratch);

}  // namespace encore::kernels
