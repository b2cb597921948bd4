// LoadTail / StoreTail — partial-vector load and store of the last n < Lanes(d) floats of a row.
// Go through a stack buffer instead of masked loads: on SSE4 Highway's MaskedLoad reads the full
// vector, which may cross the end of an allocation (and ASan would rightly complain).

#if defined(ENCORE_KERNELS_TAIL_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ENCORE_KERNELS_TAIL_INL_H_
#undef ENCORE_KERNELS_TAIL_INL_H_
#else
#define ENCORE_KERNELS_TAIL_INL_H_
#endif

#include <cstring>

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace encore::kernels {
namespace HWY_NAMESPACE {

// Lanes [n, Lanes(d)) are set to `fill`.
template <class D>
HWY_INLINE hwy::HWY_NAMESPACE::Vec<D> LoadTail(D d, const float* p, size_t n, float fill = 0.0f) {
  HWY_ALIGN float buffer[hwy::HWY_NAMESPACE::MaxLanes(D())];
  for (size_t i = 0; i < hwy::HWY_NAMESPACE::Lanes(d); ++i) buffer[i] = fill;
  std::memcpy(buffer, p, n * sizeof(float));
  return hwy::HWY_NAMESPACE::Load(d, buffer);
}

template <class D>
HWY_INLINE void StoreTail(hwy::HWY_NAMESPACE::Vec<D> v, D d, float* p, size_t n) {
  HWY_ALIGN float buffer[hwy::HWY_NAMESPACE::MaxLanes(D())];
  hwy::HWY_NAMESPACE::Store(v, d, buffer);
  std::memcpy(p, buffer, n * sizeof(float));
}

}  // namespace HWY_NAMESPACE
}  // namespace encore::kernels
HWY_AFTER_NAMESPACE();

#endif  // ENCORE_KERNELS_TAIL_INL_H_
