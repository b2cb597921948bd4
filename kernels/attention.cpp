// attention_head, fused: per block of query rows, the scores against a block of keys (register
// tiles of rows × 4 key vectors), an online-softmax step on them in place, then scores·V (register
// tiles of rows × 4 output-column vectors). The scores stay in L1, packed K and V (read in place)
// in L2; nothing of size seq² is ever written. Highway rather than a JIT: these loops compile to
// what a JIT would emit (per step 4 loads, 6 broadcasts, 24 FMAs, no spills), on every target.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/attention.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include <algorithm>
#include <cmath>
#include <limits>

#include "hwy/contrib/math/math-inl.h"
#include "hwy/highway.h"
#include "kernels/attention.h"
#include "kernels/attention_layout.h"
#include "kernels/tail-inl.h"

HWY_BEFORE_NAMESPACE();
namespace encore::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using D = hn::ScalableTag<float>;
using V = hn::Vec<D>;

#if HWY_TARGET <= HWY_AVX3
constexpr int kRows = 6;  // 6 × 4 accumulators: 24 of AVX-512's 32 registers
#else
constexpr int kRows = 3;  // 3 × 4 of the 16 registers
#endif
constexpr int kTile = 4;  // vectors of keys (scores) or of output columns (·V) per register tile
static_assert(kRows <= kMaxQueryRows);

// One block of query rows: where its operands and results live.
struct QueryBlock {
  float* queries = nullptr;           // [rows, head_dim], scaled copies of the block's queries
  const float* key_panels = nullptr;  // attention_layout.h
  const float* score_ceiling = nullptr;  // null when no key below the last kept one is masked
  const float* values = nullptr;         // V rows, value_stride apart
  int64_t value_stride = 0;
  float* scores = nullptr;            // [rows, score_stride], one key block
  float* partial = nullptr;           // [rows, head_dim_padded], unnormalized across key blocks
  float* out = nullptr;               // the block's first output row
  int64_t ld_out = 0;
  int64_t head_dim = 0;
  int64_t head_dim_padded = 0;
  int64_t score_stride = 0;
};

// K rows [0, count) into key panels (attention_layout.h), zeros up to the panel's end: 4 keys at
// a time through 4×4 transposes of 128-bit blocks, so each store writes 4 keys of one dimension
// (a scalar transpose costs as much as the score tiles below 128 keys).
void PackKeyPanels(const float* k, int64_t ldk, int64_t count, int64_t head_dim, float* panels) {
  const auto panel_column = [&](int64_t key) {
    return panels + key / kKeyPanel * head_dim * kKeyPanel + key % kKeyPanel;
  };
  int64_t key = 0;
#if HWY_TARGET != HWY_SCALAR
  const hn::Full128<float> d;
  const hn::Full128<uint64_t> d64;
  for (; key + 4 <= count; key += 4) {
    const float* row = k + key * ldk;
    float* out = panel_column(key);
    int64_t i = 0;
    for (; i + 4 <= head_dim; i += 4) {
      const auto a0 = hn::LoadU(d, row + i), a1 = hn::LoadU(d, row + ldk + i);
      const auto a2 = hn::LoadU(d, row + 2 * ldk + i), a3 = hn::LoadU(d, row + 3 * ldk + i);
      const auto low01 = hn::BitCast(d64, hn::InterleaveLower(d, a0, a1));
      const auto low23 = hn::BitCast(d64, hn::InterleaveLower(d, a2, a3));
      const auto high01 = hn::BitCast(d64, hn::InterleaveUpper(d, a0, a1));
      const auto high23 = hn::BitCast(d64, hn::InterleaveUpper(d, a2, a3));
      hn::StoreU(hn::BitCast(d, hn::InterleaveLower(d64, low01, low23)), d, out + i * kKeyPanel);
      hn::StoreU(hn::BitCast(d, hn::InterleaveUpper(d64, low01, low23)), d,
                 out + (i + 1) * kKeyPanel);
      hn::StoreU(hn::BitCast(d, hn::InterleaveLower(d64, high01, high23)), d,
                 out + (i + 2) * kKeyPanel);
      hn::StoreU(hn::BitCast(d, hn::InterleaveUpper(d64, high01, high23)), d,
                 out + (i + 3) * kKeyPanel);
    }
    for (; i < head_dim; ++i)
      for (int64_t j = 0; j < 4; ++j) out[i * kKeyPanel + j] = row[j * ldk + i];
  }
#endif
  for (; key < (count + kKeyPanel - 1) / kKeyPanel * kKeyPanel; ++key) {
    float* out = panel_column(key);
    for (int64_t i = 0; i < head_dim; ++i) out[i * kKeyPanel] = key < count ? k[key * ldk + i] : 0.0f;
  }
}

// scores[r, 0 .. NK·lanes) = queries[r] · K[key ..]ᵀ: per dimension, NK loads and R broadcasts.
template <int R, int NK>
HWY_INLINE void ScoreTile(const QueryBlock& b, int64_t key, float* scores) {
  const D d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  const float* panel[NK];
  for (int v = 0; v < NK; ++v) {
    const int64_t k = key + v * lanes;
    panel[v] = b.key_panels + k / kKeyPanel * b.head_dim * kKeyPanel + k % kKeyPanel;
  }
  V acc[R][NK];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NK; ++v) acc[r][v] = hn::Zero(d);
  for (int64_t i = 0; i < b.head_dim; ++i) {
    V k[NK];
    for (int v = 0; v < NK; ++v) k[v] = hn::LoadU(d, panel[v] + i * kKeyPanel);
    for (int r = 0; r < R; ++r) {
      const V q = hn::Set(d, b.queries[r * b.head_dim + i]);
      for (int v = 0; v < NK; ++v) acc[r][v] = hn::MulAdd(q, k[v], acc[r][v]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NK; ++v) hn::StoreU(acc[r][v], d, scores + r * b.score_stride + v * lanes);
}

// Scores of keys [first_key, first_key + count); count is a multiple of the key panel.
template <int R>
void Scores(const QueryBlock& b, int64_t first_key, int64_t count) {
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(D()));
  int64_t j = 0;
  for (; j + kTile * lanes <= count; j += kTile * lanes)
    ScoreTile<R, kTile>(b, first_key + j, b.scores + j);
  for (; j < count; j += lanes) ScoreTile<R, 1>(b, first_key + j, b.scores + j);
}

// One online-softmax step on a key block's scores, in place. With m the running max and l the
// running sum of a row: m' = max(m, scores), scores = exp(scores - m'), l = l·e^(m - m') + Σ scores;
// rescale = e^(m - m') (0 on the first block, where m = -inf). Keys from `valid` on are padding.
template <int R>
void SoftmaxStep(const QueryBlock& b, int64_t first_key, int64_t count, int64_t valid, float* max,
                 float* sum, float* rescale) {
  const D d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  for (int r = 0; r < R; ++r) {
    float* row = b.scores + r * b.score_stride;
    // float32 lowest, as a masked key in transformers: its exp is exactly 0.
    std::fill(row + valid, row + count, std::numeric_limits<float>::lowest());
    if (b.score_ceiling) {
      for (int64_t j = 0; j < count; j += lanes) {
        const V ceiling = hn::LoadU(d, b.score_ceiling + first_key + j);
        hn::StoreU(hn::Min(hn::LoadU(d, row + j), ceiling), d, row + j);
      }
    }
    V m = hn::Set(d, max[r]);
    for (int64_t j = 0; j < count; j += lanes) m = hn::Max(m, hn::LoadU(d, row + j));
    const float new_max = hn::GetLane(hn::MaxOfLanes(d, m));
    m = hn::Set(d, new_max);
    V s = hn::Zero(d);
    for (int64_t j = 0; j < count; j += lanes) {
      const V e = hn::Exp(d, hn::Sub(hn::LoadU(d, row + j), m));
      s = hn::Add(s, e);
      hn::StoreU(e, d, row + j);
    }
    rescale[r] = std::exp(max[r] - new_max);
    sum[r] = sum[r] * rescale[r] + hn::GetLane(hn::SumOfLanes(d, s));
    max[r] = new_max;
  }
}

// Columns [col, col + NV·lanes) of rescale·partial + scores·V[first_key .. first_key + count).
// Stored to `partial`, or, on the last key block (inverse_sum given), normalized into the output.
template <int R, int NV>
HWY_INLINE void ValueTile(const QueryBlock& b, int64_t first_key, int64_t count, int64_t col,
                          bool first, const float* rescale, const float* inverse_sum) {
  const D d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  V acc[R][NV];
  for (int r = 0; r < R; ++r) {
    for (int v = 0; v < NV; ++v) {
      acc[r][v] = first ? hn::Zero(d)
                        : hn::Mul(hn::LoadU(d, b.partial + r * b.head_dim_padded + col + v * lanes),
                                  hn::Set(d, rescale[r]));
    }
  }
  const float* value = b.values + first_key * b.value_stride + col;
  for (int64_t j = 0; j < count; ++j, value += b.value_stride) {
    V x[NV];
    for (int v = 0; v < NV; ++v) x[v] = hn::LoadU(d, value + v * lanes);
    for (int r = 0; r < R; ++r) {
      const V p = hn::Set(d, b.scores[r * b.score_stride + j]);
      for (int v = 0; v < NV; ++v) acc[r][v] = hn::MulAdd(p, x[v], acc[r][v]);
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int v = 0; v < NV; ++v) {
      const int64_t c = col + v * lanes;
      if (!inverse_sum) {
        hn::StoreU(acc[r][v], d, b.partial + r * b.head_dim_padded + c);
      } else if (c < b.head_dim) {
        const V y = hn::Mul(acc[r][v], hn::Set(d, inverse_sum[r]));
        float* out = b.out + r * b.ld_out + c;
        if (c + lanes <= b.head_dim) {
          hn::StoreU(y, d, out);
        } else {
          StoreTail(y, d, out, static_cast<size_t>(b.head_dim - c));
        }
      }
    }
  }
}

template <int R>
void Values(const QueryBlock& b, int64_t first_key, int64_t count, bool first,
            const float* rescale, const float* inverse_sum) {
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(D()));
  int64_t col = 0;
  for (; col + kTile * lanes <= b.head_dim_padded; col += kTile * lanes)
    ValueTile<R, kTile>(b, first_key, count, col, first, rescale, inverse_sum);
  for (; col + 2 * lanes <= b.head_dim_padded; col += 2 * lanes)
    ValueTile<R, 2>(b, first_key, count, col, first, rescale, inverse_sum);
  for (; col < b.head_dim_padded; col += lanes)
    ValueTile<R, 1>(b, first_key, count, col, first, rescale, inverse_sum);
}

// R query rows (starting at q) against `keys` packed keys, key block by key block.
template <int R>
void AttendRows(const QueryBlock& b, const float* q, int64_t ldq, float scale, int64_t keys) {
  // Scaled before the product, as the reference does, so the rounding is the same.
  const D d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  for (int r = 0; r < R; ++r) {
    const float* in = q + r * ldq;
    float* scaled = b.queries + r * b.head_dim;
    int64_t i = 0;
    for (; i + lanes <= b.head_dim; i += lanes)
      hn::StoreU(hn::Mul(hn::LoadU(d, in + i), hn::Set(d, scale)), d, scaled + i);
    for (; i < b.head_dim; ++i) scaled[i] = in[i] * scale;
  }

  float max[R], sum[R], rescale[R], inverse_sum[R];
  std::fill(max, max + R, -std::numeric_limits<float>::infinity());
  std::fill(sum, sum + R, 0.0f);
  const int64_t keys_padded = (keys + kKeyPanel - 1) / kKeyPanel * kKeyPanel;
  for (int64_t first_key = 0; first_key < keys_padded; first_key += kKeyBlock) {
    const int64_t count = std::min(kKeyBlock, keys_padded - first_key);
    const int64_t valid = std::min(count, keys - first_key);
    Scores<R>(b, first_key, count);
    SoftmaxStep<R>(b, first_key, count, valid, max, sum, rescale);
    const bool last = first_key + count == keys_padded;
    if (last)
      for (int r = 0; r < R; ++r) inverse_sum[r] = 1.0f / sum[r];
    Values<R>(b, first_key, valid, first_key == 0, rescale, last ? inverse_sum : nullptr);
  }
}

// Dispatches a block of `rows` ≤ R rows to the register tile of that height.
template <int R>
void AttendAnyRows(int64_t rows, const QueryBlock& b, const float* q, int64_t ldq, float scale,
                   int64_t keys) {
  if constexpr (R > 1) {
    if (rows < R) return AttendAnyRows<R - 1>(rows, b, q, ldq, scale, keys);
  }
  AttendRows<R>(b, q, ldq, scale, keys);
}

void AttentionHead(const AttentionArgs& args, float* scratch) {
  const AttentionLayout layout = attention_layout(args.seq, args.head_dim);
  // transformers fills masked scores with float32 lowest, so a fully masked row attends uniformly
  // to every key: the same as every key with zero scores, which scale 0 gives.
  bool any_key = args.key_mask == nullptr;
  for (int64_t j = 0; j < args.seq && !any_key; ++j) any_key = args.key_mask[j] != 0;
  const int32_t* mask = any_key ? args.key_mask : nullptr;
  const float scale = any_key ? args.scale : 0.0f;
  const SelectedKeys keys = select_keys(args, mask, layout, scratch);
  PackKeyPanels(args.k, args.ldk, keys.count, args.head_dim, scratch + layout.key_panels);

  QueryBlock b;
  b.queries = scratch + layout.scaled_queries;
  b.key_panels = scratch + layout.key_panels;
  b.score_ceiling = keys.score_ceiling;
  b.values = keys.values;
  b.value_stride = keys.value_stride;
  b.scores = scratch + layout.scores;
  b.partial = scratch + layout.partial_out;
  b.ld_out = args.ld_out;
  b.head_dim = args.head_dim;
  b.head_dim_padded = layout.head_dim_padded;
  b.score_stride = layout.score_stride;
  for (int64_t q0 = 0; q0 < args.seq; q0 += kRows) {
    b.out = args.out + q0 * args.ld_out;
    AttendAnyRows<kRows>(std::min<int64_t>(kRows, args.seq - q0), b, args.q + q0 * args.ldq,
                         args.ldq, scale, keys.count);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace encore::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace encore::kernels {

HWY_EXPORT(AttentionHead);

int64_t attention_scratch_floats(int64_t seq, int64_t head_dim) {
  return attention_layout(seq, head_dim).total;
}

void attention_head(const AttentionArgs& args, float* scratch) {
  HWY_DYNAMIC_DISPATCH(AttentionHead)(args, scratch);
}

}  // namespace encore::kernels
#endif
