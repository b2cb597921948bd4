// erf_f32: the array form of Erf (erf-inl.h), dispatched to the best Highway target at run time.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/erf.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include "hwy/highway.h"
#include "kernels/erf-inl.h"
#include "kernels/erf.h"
#include "kernels/tail-inl.h"

HWY_BEFORE_NAMESPACE();
namespace encore::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void ErfArray(const float* in, float* out, size_t n) {
  const hn::ScalableTag<float> d;
  const size_t lanes = hn::Lanes(d);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) hn::StoreU(Erf(d, hn::LoadU(d, in + i)), d, out + i);
  if (i < n) StoreTail(Erf(d, LoadTail(d, in + i, n - i)), d, out + i, n - i);
}

}  // namespace HWY_NAMESPACE
}  // namespace encore::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace encore::kernels {

HWY_EXPORT(ErfArray);

void erf_f32(const float* in, float* out, size_t n) {
  HWY_DYNAMIC_DISPATCH(ErfArray)(in, out, n);
}

}  // namespace encore::kernels
#endif
