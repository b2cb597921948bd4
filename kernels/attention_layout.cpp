#include "kernels/attention_layout.h"

#include <algorithm>
#include <cstring>
#include <limits>


namespace encore::kernels {
namespace {

int64_t round_up(int64_t value, int64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
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
  layout.values = take(head_dim % 16 == 0 ? 0 : layout.keys_padded * layout.head_dim_padded);
  layout.score_ceiling = take(layout.keys_padded);
  layout.scaled_queries = take(kMaxQueryRows * head_dim);
  layout.scores = take(kMaxQueryRows * layout.score_stride);
  layout.partial_out = take(kMaxQueryRows * layout.head_dim_padded);
  layout.total = offset;
  return layout;
}

SelectedKeys select_keys(const AttentionArgs& args, const int32_t* key_mask,
                         const AttentionLayout& layout, float* scratch) {
  SelectedKeys keys;
  keys.count = args.seq;
  if (key_mask) {
    while (keys.count > 0 && key_mask[keys.count - 1] == 0) --keys.count;
    if (std::find(key_mask, key_mask + keys.count, 0) != key_mask + keys.count) {
      float* ceiling = scratch + layout.score_ceiling;
      for (int64_t j = 0; j < round_up(keys.count, kKeyPanel); ++j) {
        ceiling[j] = j < keys.count && key_mask[j] ? std::numeric_limits<float>::max()
                                                   : std::numeric_limits<float>::lowest();
      }
      keys.score_ceiling = ceiling;
    }
  }

  // The value tiles load whole 16-float groups; rows of another width get a zero-padded copy.
  if (args.head_dim % 16 == 0) {
    keys.values = args.v;
    keys.value_stride = args.ldv;
    return keys;
  }
  float* values = scratch + layout.values;
  for (int64_t j = 0; j < keys.count; ++j) {
    float* row = values + j * layout.head_dim_padded;
    std::memcpy(row, args.v + j * args.ldv, static_cast<size_t>(args.head_dim) * sizeof(float));
    std::fill(row + args.head_dim, row + layout.head_dim_padded, 0.0f);
  }
  keys.values = values;
  keys.value_stride = layout.head_dim_padded;
  return keys;
}

}  // namespace encore::kernels
