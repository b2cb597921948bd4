// The panel layout of the GEMM's B operand (gemm_f32.h), and the packing routines that produce it.
//
// GEMM computes C = A·Bᵀ where B is [n, k] (a PyTorch Linear weight: [out_features, in_features]).
// Packed, B is a sequence of column panels of kPanelWidth output columns each; panel p holds
// columns [p·16, p·16 + 16) as k rows of 16 contiguous floats:
//
//     packed[(p·k + kk)·16 + j] = B[p·16 + j, kk]       (0 when p·16 + j ≥ n)
//
// so the micro-kernel streams one 64-byte line per k step, and a k-slice of a panel is contiguous.
// The layout is the same for every SIMD target (16 floats = 1 AVX-512, 2 AVX2 or 4 SSE vectors).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace encore::kernels {

inline constexpr int64_t kPanelWidth = 16;

inline int64_t panel_count(int64_t n) {
  return (n + kPanelWidth - 1) / kPanelWidth;
}
// Floats needed to hold B [n, k] packed (n rounded up to whole panels).
inline int64_t packed_b_floats(int64_t n, int64_t k) {
  return panel_count(n) * kPanelWidth * k;
}

// Packs B given row-major as [n, k] with row stride ldb (a Linear weight, or attention's K).
void pack_b_nk(const float* b, int64_t n, int64_t k, int64_t ldb, float* packed);
// Packs B given transposed, i.e. Bᵀ row-major as [k, n] with row stride ldb (attention's V).
void pack_b_kn(const float* b_transposed, int64_t n, int64_t k, int64_t ldb, float* packed);

// A packed B that owns its 64-byte aligned storage: weights are packed once at load and kept.
class PackedB {
 public:
  PackedB() = default;
  // Packs B [n, k] with row stride ldb.
  PackedB(const float* b, int64_t n, int64_t k, int64_t ldb);

  const float* data() const { return data_.get(); }
  int64_t n() const { return n_; }
  int64_t k() const { return k_; }

 private:
  struct Free {
    void operator()(float* p) const;
  };
  std::unique_ptr<float[], Free> data_;
  int64_t n_ = 0;
  int64_t k_ = 0;
};

}  // namespace encore::kernels
