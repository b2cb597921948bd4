// gemm_attention_head: the pre-fusion attention, built from the library's GEMM and softmax.
#include "gemm_attention.h"

#include <algorithm>
#include <limits>

#include "kernels/gemm_f32.h"
#include "kernels/gemm_packed_b.h"
#include "kernels/softmax.h"

namespace encore::bench {
namespace {

constexpr int64_t kQueryBlock = 32;

int64_t round_up_to_line(int64_t floats) {
  return (floats + 15) / 16 * 16;
}

}  // namespace

int64_t gemm_attention_scratch_floats(int64_t seq, int64_t head_dim) {
  const int64_t rows = std::min(seq, kQueryBlock);
  return round_up_to_line(kernels::packed_b_floats(seq, head_dim)) +
         round_up_to_line(kernels::packed_b_floats(head_dim, seq)) +
         round_up_to_line(rows * head_dim) + round_up_to_line(rows * seq);
}

void gemm_attention_head(const kernels::AttentionArgs& args, float* scratch) {
  using namespace kernels;
  const int64_t seq = args.seq;
  const int64_t head_dim = args.head_dim;
  float* packed_k = scratch;
  float* packed_v = packed_k + round_up_to_line(packed_b_floats(seq, head_dim));
  float* scaled_q = packed_v + round_up_to_line(packed_b_floats(head_dim, seq));
  float* scores = scaled_q + round_up_to_line(std::min(seq, kQueryBlock) * head_dim);

  pack_b_nk(args.k, seq, head_dim, args.ldk, packed_k);
  pack_b_kn(args.v, head_dim, seq, args.ldv, packed_v);

  for (int64_t q0 = 0; q0 < seq; q0 += kQueryBlock) {
    const int64_t rows = std::min(kQueryBlock, seq - q0);
    for (int64_t r = 0; r < rows; ++r) {
      const float* q_row = args.q + (q0 + r) * args.ldq;
      for (int64_t i = 0; i < head_dim; ++i) scaled_q[r * head_dim + i] = q_row[i] * args.scale;
    }
    GemmArgs qk;
    qk.a = scaled_q;
    qk.lda = head_dim;
    qk.packed_b = packed_k;
    qk.c = scores;
    qk.ldc = seq;
    qk.m = rows;
    qk.n = seq;
    qk.k = head_dim;
    gemm_f32(qk);

    for (int64_t r = 0; r < rows; ++r) {
      float* row = scores + r * seq;
      if (args.key_mask) {
        for (int64_t j = 0; j < seq; ++j) {
          if (args.key_mask[j] == 0) row[j] = std::numeric_limits<float>::lowest();
        }
      }
      softmax_row(row, static_cast<size_t>(seq));
    }

    GemmArgs pv;
    pv.a = scores;
    pv.lda = seq;
    pv.packed_b = packed_v;
    pv.c = args.out + q0 * args.ld_out;
    pv.ldc = args.ld_out;
    pv.m = rows;
    pv.n = head_dim;
    pv.k = seq;
    gemm_f32(pv);
  }
}

}  // namespace encore::bench
