// Erf(d, x) — the error function on float vectors, for every Highway target (included once per
// target, like hwy/contrib/math/math-inl.h). Debian's Highway 1.0.3 has no erf, and GELU needs one.
//
// Rational minimax approximation x·P(x²)/Q(x²) on [-4, 4] (the coefficients of Eigen's
// generic_fast_erf_float); outside that range erf is ±1 to float precision, so x is clamped.
// Max absolute error vs std::erf: 4.5e-7 over all finite floats (tests/kernels/test_erf.cpp sweeps
// a dense grid); ±inf give ±1. NaN inputs give an unspecified value (callers never pass NaN).

#if defined(ENCORE_KERNELS_ERF_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ENCORE_KERNELS_ERF_INL_H_
#undef ENCORE_KERNELS_ERF_INL_H_
#else
#define ENCORE_KERNELS_ERF_INL_H_
#endif

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace encore::kernels {
namespace HWY_NAMESPACE {

template <class D, class V>
HWY_INLINE V Erf(D d, V x) {
  namespace hn = hwy::HWY_NAMESPACE;
  const V clamped = hn::Min(hn::Max(x, hn::Set(d, -4.0f)), hn::Set(d, 4.0f));
  const V x2 = hn::Mul(clamped, clamped);
  // Numerator: odd polynomial, evaluated as x·P(x²) by Horner's scheme.
  V p = hn::Set(d, -2.72614225801306e-10f);
  p = hn::MulAdd(p, x2, hn::Set(d, 2.77068142495902e-08f));
  p = hn::MulAdd(p, x2, hn::Set(d, -2.10102402082508e-06f));
  p = hn::MulAdd(p, x2, hn::Set(d, -5.69250639462346e-05f));
  p = hn::MulAdd(p, x2, hn::Set(d, -7.34990630326855e-04f));
  p = hn::MulAdd(p, x2, hn::Set(d, -2.95459980854025e-03f));
  p = hn::MulAdd(p, x2, hn::Set(d, -1.60960333262415e-02f));
  // Denominator: even polynomial Q(x²).
  V q = hn::Set(d, -1.45660718464996e-05f);
  q = hn::MulAdd(q, x2, hn::Set(d, -2.13374055278905e-04f));
  q = hn::MulAdd(q, x2, hn::Set(d, -1.68282697438203e-03f));
  q = hn::MulAdd(q, x2, hn::Set(d, -7.37332916720468e-03f));
  q = hn::MulAdd(q, x2, hn::Set(d, -1.42647390514189e-02f));
  return hn::Div(hn::Mul(clamped, p), q);
}

}  // namespace HWY_NAMESPACE
}  // namespace encore::kernels
HWY_AFTER_NAMESPACE();

#endif  // ENCORE_KERNELS_ERF_INL_H_
