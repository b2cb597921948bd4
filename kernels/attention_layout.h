// Where attention_head keeps things inside the caller's scratch, and the packing of K and V into
// it. Packing is scalar: O(seq·head_dim), against O(seq²·head_dim) for the two products.
#pragma once

#include <cstdint>

#include "kernels/attention.h"

namespace encore::kernels {

// Keys are packed in panels of 16 (gemm_packed_b.h's layout: panel p holds keys [16p, 16p + 16)
// as head_dim rows of 16 floats, K transposed), so the score tile loads one line per dimension.
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
  int64_t values = 0;           // [keys_padded][head_dim_padded]
  int64_t scaled_queries = 0;   // [kMaxQueryRows][head_dim]
  int64_t scores = 0;           // [kMaxQueryRows][score_stride]
  int64_t partial_out = 0;      // [kMaxQueryRows][head_dim_padded], unnormalized, across key blocks
  int64_t total = 0;
};

AttentionLayout attention_layout(int64_t seq, int64_t head_dim);

// Packs the keys the mask keeps (every key when `key_mask` is null) into the key panels and the
// value rows, in order, zero-filling the slots up to the next panel; returns how many were packed.
int64_t pack_keys_and_values(const AttentionArgs& args, const int32_t* key_mask,
                             const AttentionLayout& layout, float* scratch);

}  // namespace encore::kernels
