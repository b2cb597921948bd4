// Gelu(d, x) — exact (erf) GELU on float vectors: 0.5·x·(1 + erf(x/√2)), as transformers' "gelu".
// Included once per Highway target by the GELU kernel and the GEMM epilogue.
// Max absolute error vs the float64 formula: 0.5·|x|·4.5e-7 + 1 ulp (from Erf, see erf-inl.h).

#if defined(ENCORE_KERNELS_GELU_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ENCORE_KERNELS_GELU_INL_H_
#undef ENCORE_KERNELS_GELU_INL_H_
#else
#define ENCORE_KERNELS_GELU_INL_H_
#endif

#include "hwy/highway.h"
#include "kernels/erf-inl.h"

HWY_BEFORE_NAMESPACE();
namespace encore::kernels {
namespace HWY_NAMESPACE {

template <class D, class V>
HWY_INLINE V Gelu(D d, V x) {
  namespace hn = hwy::HWY_NAMESPACE;
  const V half_x = hn::Mul(x, hn::Set(d, 0.5f));
  const V erf = Erf(d, hn::Mul(x, hn::Set(d, 0.70710678118654752f)));
  return hn::MulAdd(half_x, erf, half_x);
}

}  // namespace HWY_NAMESPACE
}  // namespace encore::kernels
HWY_AFTER_NAMESPACE();

#endif  // ENCORE_KERNELS_GELU_INL_H_
