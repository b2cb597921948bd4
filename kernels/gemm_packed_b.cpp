// Packing into the panel layout described in gemm_packed_b.h. Runs once per weight at load and
// once per (sequence, head) for attention's K and V, so plain loops suffice.
#include "kernels/gemm_packed_b.h"

#include <cstdlib>
#include <cstring>
#include <new>

namespace encore::kernels {

void pack_b_nk(const float* b, int64_t n, int64_t k, int64_t ldb, float* packed) {
  for (int64_t panel = 0; panel < panel_count(n); ++panel) {
    float* out = packed + panel * k * kPanelWidth;
    for (int64_t j = 0; j < kPanelWidth; ++j) {
      const int64_t column = panel * kPanelWidth + j;
      if (column < n) {
        const float* row = b + column * ldb;
        for (int64_t kk = 0; kk < k; ++kk) out[kk * kPanelWidth + j] = row[kk];
      } else {
        for (int64_t kk = 0; kk < k; ++kk) out[kk * kPanelWidth + j] = 0.0f;
      }
    }
  }
}

void pack_b_kn(const float* b_transposed, int64_t n, int64_t k, int64_t ldb, float* packed) {
  for (int64_t panel = 0; panel < panel_count(n); ++panel) {
    float* out = packed + panel * k * kPanelWidth;
    const int64_t first = panel * kPanelWidth;
    const int64_t width = n - first < kPanelWidth ? n - first : kPanelWidth;
    for (int64_t kk = 0; kk < k; ++kk) {
      std::memcpy(out + kk * kPanelWidth, b_transposed + kk * ldb + first, width * sizeof(float));
      for (int64_t j = width; j < kPanelWidth; ++j) out[kk * kPanelWidth + j] = 0.0f;
    }
  }
}

void PackedB::Free::operator()(float* p) const {
  std::free(p);
}

PackedB::PackedB(const float* b, int64_t n, int64_t k, int64_t ldb) : n_(n), k_(k) {
  const size_t bytes = static_cast<size_t>(packed_b_floats(n, k)) * sizeof(float);
  // aligned_alloc wants a non-zero size that is a multiple of the alignment.
  void* memory = std::aligned_alloc(64, bytes / 64 * 64 + 64);
  if (!memory) throw std::bad_alloc();
  data_.reset(static_cast<float*>(memory));
  pack_b_nk(b, n, k, ldb, data_.get());
}

}  // namespace encore::kernels
