// Where attention_head keeps things inside the caller's scratch, and which keys it attends to
// (the mask's ceiling, and a padded copy of V when its rows are not whole vectors).
#pragma once

#include <cstdint>

#include "kernels/attention.h"

namespace encore::kernels {

// K is packed as GEMM panels (gemm_packed_b.h: 16 keys × head_dim, transposed), so a score tile
// loads one line per dimension.
inline constexpr int64_t kKeyPanel = 16;
// Scores of a query block are computed over at most this many keys at a time, so they stay in L1
// (6 rows × 512 × 4 B = 12 KiB); longer sequences take one online-softmax step per key block.
inline constexpr int64_t kKeyBlock = 512;
// Query rows of one block, an upper bound for every SIMD target (AVX-512 uses 6, others 3).
inline constexpr int64_t kMaxQueryRows = 8;

// Offsets in floats from the start of the scratch, each on its own 64-byte line.
struct AttentionLayout {
  int64_t keys_padded = 0;      // seq rounded up to a whole key panel
  int64_t head_dim_padded = 0;  // head_dim rounded up to 16 (whole vectors on every target)
  int64_t score_stride = 0;     // min(kKeyBlock, keys_padded)
  int64_t key_panels = 0;       // [keys_padded / 16][head_dim][16]
  int64_t values = 0;           // [keys_padded][head_dim_padded], used when head_dim % 16 != 0
  int64_t score_ceiling = 0;    // [keys_padded]: float max, or float lowest (masked or padding)
  int64_t scaled_queries = 0;   // [kMaxQueryRows][head_dim]
  int64_t scores = 0;           // [kMaxQueryRows][score_stride]
  int64_t partial_out = 0;      // [kMaxQueryRows][head_dim_padded], unnormalized, across key blocks
  int64_t total = 0;
};

AttentionLayout attention_layout(int64_t seq, int64_t head_dim);

// The keys attention_head works on.
struct SelectedKeys {
  int64_t count = 0;                     // keys up to the last unmasked one (trailing ones dropped)
  const float* score_ceiling = nullptr;  // set when a key below `count` is masked
  const float* values = nullptr;         // V rows: the caller's, or the padded copy
  int64_t value_stride = 0;
};

// Keys [0, count) are attended to; trailing masked keys (padding) are left out, as their weight is
// exactly 0. A masked key before the last unmasked one gets a score ceiling of float lowest, which
// is what transformers gives it. Copies V when its rows are not whole 16-float groups.
// `key_mask` null or with at least one kept key. (K is packed by the SIMD code: attention.cpp.)
SelectedKeys select_keys(const AttentionArgs& args, const int32_t* key_mask,
                         const AttentionLayout& layout, float* scratch);

}  // namespace encore::kernels
