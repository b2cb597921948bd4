// gelu_f32: the array form of Gelu (gelu-inl.h); the GEMM applies the same Gelu in its epilogue.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/gelu.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include "hwy/highway.h"
#include "kernels/gelu-inl.h"
#include "kernels/gelu.h"
#include "kernels/tail-inl.h"

HWY_BEFORE_NAMESPACE();
namespace encore::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void GeluArray(const float* in, float* out, size_t n) {
  const hn::ScalableTag<float> d;
  const size_t lanes = hn::Lanes(d);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) hn::StoreU(Gelu(d, hn::LoadU(d, in + i)), d, out + i);
  if (i < n) StoreTail(Gelu(d, LoadTail(d, in + i, n - i)), d, out + i, n - i);
}

}  // namespace HWY_NAMESPACE
}  // namespace encore::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace encore::kernels {

HWY_EXPORT(GeluArray);

void gelu_f32(const float* in, float* out, size_t n) {
  HWY_DYNAMIC_DISPATCH(GeluArray)(in, out, n);
}

}  // namespace encore::kernels
#endif
