// layer_norm_row: sum (storing x + residual into out), centred sum of squares, then normalize.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/layer_norm.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include <cmath>

#include "hwy/highway.h"
#include "kernels/layer_norm.h"
#include "kernels/tail-inl.h"

HWY_BEFORE_NAMESPACE();
namespace encore::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void LayerNormRow(const float* x, const float* residual, const float* gamma, const float* beta,
                  float* out, size_t dim, float eps) {
  const hn::ScalableTag<float> d;
  const size_t lanes = hn::Lanes(d);
  const size_t full = dim - dim % lanes;
  const size_t tail = dim - full;

  // Pass 1: v = x + residual, written to out so the later passes read one array.
  auto sum = hn::Zero(d);
  for (size_t i = 0; i < full; i += lanes) {
    auto v = hn::LoadU(d, x + i);
    if (residual) v = hn::Add(v, hn::LoadU(d, residual + i));
    sum = hn::Add(sum, v);
    hn::StoreU(v, d, out + i);
  }
  if (tail) {
    auto v = LoadTail(d, x + full, tail);
    if (residual) v = hn::Add(v, LoadTail(d, residual + full, tail));
    sum = hn::Add(sum, v);
    StoreTail(v, d, out + full, tail);
  }
  const float mean = hn::GetLane(hn::SumOfLanes(d, sum)) / static_cast<float>(dim);
  const auto mean_v = hn::Set(d, mean);

  // Pass 2: variance around the mean (zero-filled tail lanes would add mean², so subtract first).
  auto squares = hn::Zero(d);
  for (size_t i = 0; i < full; i += lanes) {
    const auto centred = hn::Sub(hn::LoadU(d, out + i), mean_v);
    squares = hn::MulAdd(centred, centred, squares);
  }
  float variance_sum = hn::GetLane(hn::SumOfLanes(d, squares));
  for (size_t i = full; i < dim; ++i) variance_sum += (out[i] - mean) * (out[i] - mean);
  const float inv_std = 1.0f / std::sqrt(variance_sum / static_cast<float>(dim) + eps);
  const auto inv_std_v = hn::Set(d, inv_std);

  // Pass 3: ((v - mean) · inv_std) · gamma + beta, in the reference's order of operations.
  for (size_t i = 0; i < full; i += lanes) {
    const auto normalized = hn::Mul(hn::Sub(hn::LoadU(d, out + i), mean_v), inv_std_v);
    hn::StoreU(hn::MulAdd(normalized, hn::LoadU(d, gamma + i), hn::LoadU(d, beta + i)), d, out + i);
  }
  for (size_t i = full; i < dim; ++i) out[i] = (out[i] - mean) * inv_std * gamma[i] + beta[i];
}

}  // namespace HWY_NAMESPACE
}  // namespace encore::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace encore::kernels {

HWY_EXPORT(LayerNormRow);

void layer_norm_row(const float* x, const float* residual, const float* gamma, const float* beta,
                    float* out, size_t dim, float eps) {
  HWY_DYNAMIC_DISPATCH(LayerNormRow)(x, residual, gamma, beta, out, dim, eps);
}

}  // namespace encore::kernels
#endif
