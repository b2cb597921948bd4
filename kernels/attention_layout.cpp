#include "kernels/attention_layout.h"

#include <algorithm>
#include <cstring>

namespace encore::kernels {
namespace {

int64_t round_up(int64_t value, int64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// Copies one key into its panel column and one value row, or zeros both when k_row is null.
void pack_slot(const float* k_row, const float* v_row, int64_t slot, const AttentionLayout& layout,
               int64_t head_dim, float* scratch) {
  float* panel = scratch + layout.key_panels + slot / kKeyPanel * head_dim * kKeyPanel +
                 slot % kKeyPanel;
  float* value = scratch + layout.values + slot * layout.head_dim_padded;
  for (int64_t d = 0; d < head_dim; ++d) panel[d * kKeyPanel] = k_row ? k_row[d] : 0.0f;
  if (v_row) {
    std::memcpy(value, v_row, static_cast<size_t>(head_dim) * sizeof(float));
  } else {
    std::fill(value, value + head_dim, 0.0f);
  }
  std::fill(value + head_dim, value + layout.head_dim_padded, 0.0f);
}

}  // namespace

AttentionLayout attention_layout(int64_t seq, int64_t head_dim) {
  AttentionLayout layout;
  layout.keys_padded = round_up(seq, kKeyPanel);
  layout.head_dim_padded = round_up(head_dim, 16);
  layout.score_stride = std::min(kKeyBlock, layout.keys_padded);
  int64_t offset = 0;
  const auto take = [&offset](int64_t floats) {
    const int64_t start = offset;
    offset += round_up(floats, 16);
    return start;
  };
  layout.key_panels = take(layout.keys_padded * head_dim);
  layout.values = take(layout.keys_padded * layout.head_dim_padded);
  layout.scaled_queries = take(kMaxQueryRows * head_dim);
  layout.scores = take(kMaxQueryRows * layout.score_stride);
  layout.partial_out = take(kMaxQueryRows * layout.head_dim_padded);
  layout.total = offset;
  return layout;
}

int64_t pack_keys_and_values(const AttentionArgs& args, const int32_t* key_mask,
                             const AttentionLayout& layout, float* scratch) {
  int64_t count = 0;
  for (int64_t j = 0; j < args.seq; ++j) {
    if (key_mask && key_mask[j] == 0) continue;
    pack_slot(args.k + j * args.ldk, args.v + j * args.ldv, count++, layout, args.head_dim,
              scratch);
  }
  for (int64_t slot = count; slot < round_up(count, kKeyPanel); ++slot) {
    pack_slot(nullptr, nullptr, slot, layout, args.head_dim, scratch);
  }
  return count;
}

}  // namespace encore::kernels
