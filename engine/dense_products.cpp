// accumulate_products: register blocks of 4 rows × 2 vectors of C, a loop over p that broadcasts
// A's elements and streams B's rows; B is taken in slabs that stay in L2 while every row block
// of C passes over them. Columns left over after the last 2-vector step are summed in scalar code.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "engine/dense_products.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include <algorithm>
#include <vector>

#include "engine/dense_products.h"
#include "hwy/highway.h"

// Outside the per-target namespace: every target's function must have the same signature.
#ifndef ENCORE_ENGINE_DENSE_PRODUCTS_OPERANDS
#define ENCORE_ENGINE_DENSE_PRODUCTS_OPERANDS
namespace encore::engine {
template <class T>
struct Operands {
  T* c;
  size_t ldc;
  const T* a;
  size_t a_row, a_col;
  const T* b;
  size_t ldb;
  size_t p;
  bool subtract;
};
}  // namespace encore::engine
#endif

HWY_BEFORE_NAMESPACE();
namespace encore::engine {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// B is taken in slabs of kDepth rows × a chunk of columns (~256 KB, well inside L2) that every
// row block of C passes over before the next; short rows of a slab also keep the pages touched
// few (B's rows are often a whole matrix row apart).
constexpr size_t kDepth = 256;
constexpr size_t kSlabBytes = 256 * 1024;

template <class D, class V>
HWY_INLINE void Finish(D d, const Operands<hn::TFromD<D>>& o, hn::TFromD<D>* c, V v) {
  const V old = hn::LoadU(d, c);
  hn::StoreU(o.subtract ? hn::Sub(old, v) : hn::Add(old, v), d, c);
}

// C rows [row, row + 4), columns [col, col + 2·lanes); `a` holds A's 4 rows for q0..q1 packed
// as [q][4].
template <class D>
HWY_INLINE void Block4x2(D d, const Operands<hn::TFromD<D>>& o, const hn::TFromD<D>* a, size_t row,
                         size_t col, size_t q0, size_t q1) {
  using T = hn::TFromD<D>;
  const size_t lanes = hn::Lanes(d);
  auto c00 = hn::Zero(d), c01 = hn::Zero(d), c10 = hn::Zero(d), c11 = hn::Zero(d);
  auto c20 = hn::Zero(d), c21 = hn::Zero(d), c30 = hn::Zero(d), c31 = hn::Zero(d);
  const T* b = o.b + q0 * o.ldb + col;
  for (size_t q = q0; q < q1; ++q, b += o.ldb, a += 4) {
    const auto b0 = hn::LoadU(d, b), b1 = hn::LoadU(d, b + lanes);
    auto s = hn::Set(d, a[0]);
    c00 = hn::MulAdd(s, b0, c00);
    c01 = hn::MulAdd(s, b1, c01);
    s = hn::Set(d, a[1]);
    c10 = hn::MulAdd(s, b0, c10);
    c11 = hn::MulAdd(s, b1, c11);
    s = hn::Set(d, a[2]);
    c20 = hn::MulAdd(s, b0, c20);
    c21 = hn::MulAdd(s, b1, c21);
    s = hn::Set(d, a[3]);
    c30 = hn::MulAdd(s, b0, c30);
    c31 = hn::MulAdd(s, b1, c31);
  }
  T* c = o.c + row * o.ldc + col;
  Finish(d, o, c, c00);
  Finish(d, o, c + lanes, c01);
  Finish(d, o, c + o.ldc, c10);
  Finish(d, o, c + o.ldc + lanes, c11);
  Finish(d, o, c + 2 * o.ldc, c20);
  Finish(d, o, c + 2 * o.ldc + lanes, c21);
  Finish(d, o, c + 3 * o.ldc, c30);
  Finish(d, o, c + 3 * o.ldc + lanes, c31);
}

// One row of C, columns [col, col + 2·lanes).
template <class D>
HWY_INLINE void Block1x2(D d, const Operands<hn::TFromD<D>>& o, size_t row, size_t col, size_t q0,
                         size_t q1) {
  using T = hn::TFromD<D>;
  const size_t lanes = hn::Lanes(d);
  auto c0 = hn::Zero(d), c1 = hn::Zero(d);
  const T* a = o.a + row * o.a_row;
  const T* b = o.b + q0 * o.ldb + col;
  for (size_t q = q0; q < q1; ++q, b += o.ldb) {
    const auto s = hn::Set(d, a[q * o.a_col]);
    c0 = hn::MulAdd(s, hn::LoadU(d, b), c0);
    c1 = hn::MulAdd(s, hn::LoadU(d, b + lanes), c1);
  }
  T* c = o.c + row * o.ldc + col;
  Finish(d, o, c, c0);
  Finish(d, o, c + lanes, c1);
}

template <class T>
void Accumulate(const Operands<T>& o, size_t m, size_t n) {
  const hn::ScalableTag<T> d;
  const size_t step = 2 * hn::Lanes(d);
  const size_t vector_cols = n / step * step;
  const size_t chunk = std::max(step, kSlabBytes / (kDepth * sizeof(T)) / step * step);
  thread_local std::vector<T> packed;
  for (size_t q0 = 0; q0 < o.p; q0 += kDepth) {
    const size_t q1 = std::min(o.p, q0 + kDepth);
    // A's rows for this slab, packed per 4-row block as [q][4]: contiguous broadcasts.
    const size_t blocks = m / 4, depth = q1 - q0;
    packed.resize(blocks * depth * 4);
    for (size_t block = 0; block < blocks; ++block)
      for (size_t q = q0; q < q1; ++q)
        for (size_t r = 0; r < 4; ++r)
          packed[(block * depth + q - q0) * 4 + r] = o.a[(block * 4 + r) * o.a_row + q * o.a_col];
    for (size_t col0 = 0; col0 < vector_cols; col0 += chunk) {
      const size_t col1 = std::min(vector_cols, col0 + chunk);
      for (size_t block = 0; block < blocks; ++block)
        for (size_t col = col0; col < col1; col += step)
          Block4x2(d, o, packed.data() + block * depth * 4, block * 4, col, q0, q1);
      for (size_t row = blocks * 4; row < m; ++row)
        for (size_t col = col0; col < col1; col += step) Block1x2(d, o, row, col, q0, q1);
    }
  }
  for (size_t row = 0; row < m; ++row) {
    for (size_t col = vector_cols; col < n; ++col) {
      T sum = 0;
      for (size_t q = 0; q < o.p; ++q)
        sum += o.a[row * o.a_row + q * o.a_col] * o.b[q * o.ldb + col];
      T& out = o.c[row * o.ldc + col];
      out = o.subtract ? out - sum : out + sum;
    }
  }
}

void AccumulateF64(const Operands<double>& o, size_t m, size_t n) {
  Accumulate(o, m, n);
}
void AccumulateF32(const Operands<float>& o, size_t m, size_t n) {
  Accumulate(o, m, n);
}

}  // namespace HWY_NAMESPACE
}  // namespace encore::engine
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace encore::engine {

HWY_EXPORT(AccumulateF64);
HWY_EXPORT(AccumulateF32);

void accumulate_products(double* c, size_t ldc, const double* a, StridedMatrix a_strides,
                         const double* b, size_t ldb, size_t m, size_t n, size_t p, bool subtract) {
  if (m == 0 || n == 0) return;
  HWY_DYNAMIC_DISPATCH(AccumulateF64)
  ({c, ldc, a, a_strides.row_stride, a_strides.col_stride, b, ldb, p, subtract}, m, n);
}

void accumulate_products(float* c, size_t ldc, const float* a, StridedMatrix a_strides,
                         const float* b, size_t ldb, size_t m, size_t n, size_t p, bool subtract) {
  if (m == 0 || n == 0) return;
  HWY_DYNAMIC_DISPATCH(AccumulateF32)
  ({c, ldc, a, a_strides.row_stride, a_strides.col_stride, b, ldb, p, subtract}, m, n);
}

}  // namespace encore::engine
#endif
