// softmax_row: three passes over a row that fits in L1/L2 (max, exp and sum, scale).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/softmax.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include <limits>

#include "hwy/contrib/math/math-inl.h"
#include "hwy/highway.h"
#include "kernels/softmax.h"
#include "kernels/tail-inl.h"

HWY_BEFORE_NAMESPACE();
namespace encore::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void SoftmaxRow(float* row, size_t n) {
  if (n == 0) return;
  const hn::ScalableTag<float> d;
  const size_t lanes = hn::Lanes(d);
  const size_t full = n - n % lanes;
  const size_t tail = n - full;
  // Tail lanes are -inf: they never win the max and their exp is exactly 0.
  constexpr float kMinusInf = -std::numeric_limits<float>::infinity();

  auto max = hn::Set(d, kMinusInf);
  for (size_t i = 0; i < full; i += lanes) max = hn::Max(max, hn::LoadU(d, row + i));
  if (tail) max = hn::Max(max, LoadTail(d, row + full, tail, kMinusInf));
  max = hn::MaxOfLanes(d, max);

  auto sum = hn::Zero(d);
  for (size_t i = 0; i < full; i += lanes) {
    const auto e = hn::Exp(d, hn::Sub(hn::LoadU(d, row + i), max));
    sum = hn::Add(sum, e);
    hn::StoreU(e, d, row + i);
  }
  if (tail) {
    const auto e = hn::Exp(d, hn::Sub(LoadTail(d, row + full, tail, kMinusInf), max));
    sum = hn::Add(sum, e);
    StoreTail(e, d, row + full, tail);
  }
  sum = hn::SumOfLanes(d, sum);

  for (size_t i = 0; i < full; i += lanes)
    hn::StoreU(hn::Div(hn::LoadU(d, row + i), sum), d, row + i);
  if (tail) StoreTail(hn::Div(LoadTail(d, row + full, tail), sum), d, row + full, tail);
}

}  // namespace HWY_NAMESPACE
}  // namespace encore::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace encore::kernels {

HWY_EXPORT(SoftmaxRow);

void softmax_row(float* row, size_t n) {
  HWY_DYNAMIC_DISPATCH(SoftmaxRow)(row, n);
}

}  // namespace encore::kernels
#endif
