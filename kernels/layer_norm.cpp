// layer_norm_row(_quantized): sum (storing x + residual into out), centred sum of squares, then
// normalize (tracking the row's range when quantizing), then quantize. The row is in L1 after the
// first pass; each reduction runs four accumulators so its adds do not wait on one another.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/layer_norm.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include <algorithm>
#include <cmath>

#include "hwy/highway.h"
#include "kernels/layer_norm.h"
#include "kernels/row_quantization.h"
#include "kernels/tail-inl.h"

HWY_BEFORE_NAMESPACE();
namespace encore::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using D = hn::ScalableTag<float>;
using V = hn::Vec<D>;

// Σ v over the row, where v = x + residual is also stored to out.
float SumStoringSum(const float* x, const float* residual, float* out, size_t dim) {
  const D d;
  const size_t lanes = hn::Lanes(d);
  const auto sum_at = [&](size_t i) {
    V v = hn::LoadU(d, x + i);
    if (residual) v = hn::Add(v, hn::LoadU(d, residual + i));
    hn::StoreU(v, d, out + i);
    return v;
  };
  V s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
  size_t i = 0;
  for (; i + 4 * lanes <= dim; i += 4 * lanes) {
    s0 = hn::Add(s0, sum_at(i));
    s1 = hn::Add(s1, sum_at(i + lanes));
    s2 = hn::Add(s2, sum_at(i + 2 * lanes));
    s3 = hn::Add(s3, sum_at(i + 3 * lanes));
  }
  for (; i + lanes <= dim; i += lanes) s0 = hn::Add(s0, sum_at(i));
  if (i < dim) {
    V v = LoadTail(d, x + i, dim - i);
    if (residual) v = hn::Add(v, LoadTail(d, residual + i, dim - i));
    StoreTail(v, d, out + i, dim - i);
    s1 = hn::Add(s1, v);
  }
  return hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3))));
}

// Σ (v - mean)² over the row (the tail in scalar: zero-filled lanes would add mean²).
float CentredSquares(const float* v, float mean, size_t dim) {
  const D d;
  const size_t lanes = hn::Lanes(d);
  const V mean_v = hn::Set(d, mean);
  const auto square_at = [&](size_t i, V acc) {
    const V centred = hn::Sub(hn::LoadU(d, v + i), mean_v);
    return hn::MulAdd(centred, centred, acc);
  };
  V s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
  size_t i = 0;
  for (; i + 4 * lanes <= dim; i += 4 * lanes) {
    s0 = square_at(i, s0);
    s1 = square_at(i + lanes, s1);
    s2 = square_at(i + 2 * lanes, s2);
    s3 = square_at(i + 3 * lanes, s3);
  }
  for (; i + lanes <= dim; i += lanes) s0 = square_at(i, s0);
  float sum = hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3))));
  for (; i < dim; ++i) sum += (v[i] - mean) * (v[i] - mean);
  return sum;
}

// out = ((v - mean) · inv_std) · gamma + beta, in the reference's order of operations, in place.
// With `range` given, also returns min(0, s…) and max(0, s…) in range[0], range[1], where
// s = out · column_scale (or out, when column_scale is null).
void Normalize(const float* gamma, const float* beta, float* out, size_t dim, float mean,
               float inv_std, const float* column_scale, float* range) {
  const D d;
  const size_t lanes = hn::Lanes(d);
  const V mean_v = hn::Set(d, mean), inv_std_v = hn::Set(d, inv_std);
  V low = hn::Zero(d), high = hn::Zero(d);
  size_t i = 0;
  for (; i + lanes <= dim; i += lanes) {
    const V normalized = hn::Mul(hn::Sub(hn::LoadU(d, out + i), mean_v), inv_std_v);
    const V y = hn::MulAdd(normalized, hn::LoadU(d, gamma + i), hn::LoadU(d, beta + i));
    hn::StoreU(y, d, out + i);
    if (range) {
      const V s = column_scale ? hn::Mul(y, hn::LoadU(d, column_scale + i)) : y;
      low = hn::Min(low, s);
      high = hn::Max(high, s);
    }
  }
  float low_s = 0.0f, high_s = 0.0f;
  for (; i < dim; ++i) {
    out[i] = (out[i] - mean) * inv_std * gamma[i] + beta[i];
    const float s = column_scale ? out[i] * column_scale[i] : out[i];
    low_s = std::min(low_s, s);
    high_s = std::max(high_s, s);
  }
  if (range) {
    range[0] = std::min(low_s, hn::GetLane(hn::MinOfLanes(d, low)));
    range[1] = std::max(high_s, hn::GetLane(hn::MaxOfLanes(d, high)));
  }
}

// q = clamp(round_nearest_even(s · inverse) + zero_point, 0, 255) with s = y · column_scale (or
// y), as jit::quantize_row_range does (the same two roundings: the scaled value, then q).
void Quantize(const float* y, const float* column_scale, size_t dim, const RowQuantization& row,
              uint8_t* q) {
  const D d;
  const hn::Rebind<int32_t, D> di;
  const hn::Rebind<uint8_t, D> du8;
  const size_t lanes = hn::Lanes(d);
  const V inverse = hn::Set(d, row.inverse);
  const auto zero_point = hn::Set(di, row.zero_point);
  const auto lowest = hn::Zero(di), highest = hn::Set(di, 255);
  size_t i = 0;
  for (; i + lanes <= dim; i += lanes) {
    V s = hn::LoadU(d, y + i);
    if (column_scale) s = hn::Mul(s, hn::LoadU(d, column_scale + i));
    const auto rounded = hn::Add(hn::NearestInt(hn::Mul(s, inverse)), zero_point);
    const auto clamped = hn::Min(hn::Max(rounded, lowest), highest);
#if HWY_TARGET <= HWY_AVX3
    // vpmovdb: Highway 1.0.3's DemoteTo to u8 takes two packs and a permute instead.
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i), _mm512_cvtepi32_epi8(clamped.raw));
#else
    hn::StoreU(hn::DemoteTo(du8, clamped), du8, q + i);
#endif
  }
  for (; i < dim; ++i) {
    const float s = column_scale ? y[i] * column_scale[i] : y[i];
    const float rounded = std::nearbyint(s * row.inverse) + static_cast<float>(row.zero_point);
    q[i] = static_cast<uint8_t>(std::clamp(rounded, 0.0f, 255.0f));
  }
}

// The LayerNorm; with q given, also the quantized row, its scale and zero point.
void LayerNormRow(const float* x, const float* residual, const float* gamma, const float* beta,
                  float* out, size_t dim, float eps, const float* column_scale, uint8_t* q,
                  float* scale, int32_t* zero_point) {
  const float mean = SumStoringSum(x, residual, out, dim) / static_cast<float>(dim);
  const float variance = CentredSquares(out, mean, dim) / static_cast<float>(dim);
  const float inv_std = 1.0f / std::sqrt(variance + eps);
  float range[2];
  Normalize(gamma, beta, out, dim, mean, inv_std, column_scale, q ? range : nullptr);
  if (!q) return;
  const RowQuantization row = row_quantization(range[0], range[1]);
  Quantize(out, column_scale, dim, row, q);
  *scale = row.scale;
  *zero_point = row.zero_point;
}

}  // namespace HWY_NAMESPACE
}  // namespace encore::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace encore::kernels {

HWY_EXPORT(LayerNormRow);

void layer_norm_row(const float* x, const float* residual, const float* gamma, const float* beta,
                    float* out, size_t dim, float eps) {
  HWY_DYNAMIC_DISPATCH(LayerNormRow)(x, residual, gamma, beta, out, dim, eps, nullptr, nullptr,
                                     nullptr, nullptr);
}

void layer_norm_row_quantized(const float* x, const float* residual, const float* gamma,
                              const float* beta, float* out, size_t dim, float eps,
                              const float* column_scale, uint8_t* q, float* scale,
                              int32_t* zero_point) {
  HWY_DYNAMIC_DISPATCH(LayerNormRow)(x, residual, gamma, beta, out, dim, eps, column_scale, q,
                                     scale, zero_point);
}

}  // namespace encore::kernels
#endif
