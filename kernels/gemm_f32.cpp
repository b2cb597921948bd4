// gemm_f32: loops over (panel block, k-block, row block, panel, row tile) around a register-tile
// micro-kernel of kTileRows × 16 accumulators. The tile height is chosen per target so the
// accumulators plus one row of B fit the register file (AVX-512: 12 × 1 vectors; AVX2: 6 × 2; SSE:
// 3 × 4).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/gemm_f32.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include <algorithm>

#include "hwy/highway.h"
#include "kernels/gelu-inl.h"
#include "kernels/gemm_f32.h"
#include "kernels/gemm_packed_b.h"
#include "kernels/tail-inl.h"

HWY_BEFORE_NAMESPACE();
namespace encore::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using DF = hn::ScalableTag<float>;
using VF = hn::Vec<DF>;
constexpr size_t kLanes = hn::MaxLanes(DF());
constexpr size_t kPanelVectors = kPanelWidth / kLanes;
constexpr size_t kTileRows = kPanelVectors == 1 ? 12 : kPanelVectors == 2 ? 6 : 3;
// Cache blocking: a kKc × 16 slice of B (16 KiB) stays in L1 across the row tiles of a kMc-row
// block of A (kMc × kKc = 96 KiB, packed, in L2); kNcPanels panels bound the C block in L2.
constexpr int64_t kKc = 256;
constexpr int64_t kMc = 96;
constexpr int64_t kNcPanels = 16;

// Where a tile's results go and what happens to them.
struct TileOutput {
  float* c;
  size_t ldc;
  size_t width;     // valid columns in this panel, 1..16
  bool accumulate;  // a later k-block: add to what C holds
  bool finish;      // the last k-block: add the bias, apply the epilogue
  const float* bias;
  Epilogue epilogue;
  const float* residual;
  size_t ldr;
};

// Loads vector `v` of a 16-wide panel row whose first `width` columns are valid (others read 0).
HWY_INLINE VF LoadPanelRow(DF d, const float* row, size_t width, size_t v) {
  const size_t first = v * kLanes;
  if (first + kLanes <= width) return hn::LoadU(d, row + first);
  if (first >= width) return hn::Zero(d);
  return LoadTail(d, row + first, width - first);
}

HWY_INLINE void StorePanelRow(DF d, VF value, float* row, size_t width, size_t v) {
  const size_t first = v * kLanes;
  if (first + kLanes <= width) return hn::StoreU(value, d, row + first);
  if (first < width) StoreTail(value, d, row + first, width - first);
}

// Adds the bias and applies the epilogue to a finished tile of sums, then stores it into C.
// Kept apart from the k-loop so the accumulators never need an address (GCC then keeps them
// in registers instead of storing them on every k step).
HWY_INLINE void StoreTile(DF d, const float* sums, size_t rows, const TileOutput& out) {
  for (size_t r = 0; r < rows; ++r) {
    float* c_row = out.c + r * out.ldc;
    for (size_t v = 0; v < kPanelVectors; ++v) {
      VF value = hn::Load(d, sums + r * kPanelWidth + v * kLanes);
      if (out.accumulate) value = hn::Add(LoadPanelRow(d, c_row, out.width, v), value);
      if (out.finish) {
        if (out.bias) value = hn::Add(value, LoadPanelRow(d, out.bias, out.width, v));
        switch (out.epilogue) {
          case Epilogue::kNone:
            break;
          case Epilogue::kRelu:
            value = hn::Max(value, hn::Zero(d));
            break;
          case Epilogue::kGelu:
            value = Gelu(d, value);
            break;
          case Epilogue::kResidual:
            value = hn::Add(value, LoadPanelRow(d, out.residual + r * out.ldr, out.width, v));
            break;
        }
      }
      StorePanelRow(d, value, c_row, out.width, v);
    }
  }
}

// a: a packed row tile, kc steps of kTileRows floats (row r of step kk at a[kk·kTileRows + r]).
// b: a kc-deep slice of one B panel, kc steps of 16 floats.
template <size_t kRows>
HWY_INLINE void MicroKernel(const float* HWY_RESTRICT a, const float* HWY_RESTRICT b, size_t kc,
                            const TileOutput& out) {
  const DF d;
  VF acc[kRows][kPanelVectors];
  for (size_t r = 0; r < kRows; ++r)
    for (size_t v = 0; v < kPanelVectors; ++v) acc[r][v] = hn::Zero(d);

  for (size_t kk = 0; kk < kc; ++kk) {
    VF b_row[kPanelVectors];
    for (size_t v = 0; v < kPanelVectors; ++v)
      b_row[v] = hn::LoadU(d, b + kk * kPanelWidth + v * kLanes);
    for (size_t r = 0; r < kRows; ++r) {
      const VF a_broadcast = hn::Set(d, a[kk * kTileRows + r]);
      for (size_t v = 0; v < kPanelVectors; ++v)
        acc[r][v] = hn::MulAdd(a_broadcast, b_row[v], acc[r][v]);
    }
  }

  HWY_ALIGN float sums[kRows * kPanelWidth];
  for (size_t r = 0; r < kRows; ++r)
    for (size_t v = 0; v < kPanelVectors; ++v)
      hn::Store(acc[r][v], d, sums + r * kPanelWidth + v * kLanes);
  StoreTile(d, sums, kRows, out);
}

// Calls MicroKernel<rows> for a run-time rows in [1, kRows].
template <size_t kRows>
HWY_INLINE void RowTile(size_t rows, const float* a, const float* b, size_t kc,
                        const TileOutput& out) {
  if constexpr (kRows > 1) {
    if (rows < kRows) return RowTile<kRows - 1>(rows, a, b, kc, out);
  }
  MicroKernel<kRows>(a, b, kc, out);
}

// Copies rows [0, rows) × columns [0, kc) of A into row tiles of kTileRows, each stored k-major,
// so the micro-kernel reads one contiguous stream. Without this, rows of a wide A (k = 3072:
// a 12 KiB stride) all fall into the same L1 sets and evict each other.
HWY_INLINE void PackRowTiles(const float* a, size_t lda, size_t rows, size_t kc, float* packed) {
  for (size_t tile = 0; tile < rows; tile += kTileRows) {
    const size_t tile_rows = std::min(kTileRows, rows - tile);
    float* out = packed + tile * kc;
    for (size_t r = 0; r < tile_rows; ++r) {
      const float* row = a + (tile + r) * lda;
      for (size_t kk = 0; kk < kc; ++kk) out[kk * kTileRows + r] = row[kk];
    }
  }
}

void GemmF32(const GemmArgs& args, int64_t m_begin, int64_t m_end, int64_t panel_begin,
             int64_t panel_end) {
  if (m_begin >= m_end || panel_begin >= panel_end) return;
  HWY_ALIGN float packed_a[kMc * kKc];  // 96 KiB: one block of A, reused across its panels
  // A single row tile (a few tokens) reuses no B slice, so it takes the deepest k-slices the
  // buffer holds: then packed B is read as one sequential stream, which is what bounds it.
  constexpr int64_t kSingleTileKc = kMc * kKc / static_cast<int64_t>(kTileRows);
  const int64_t kc_block = m_end - m_begin <= static_cast<int64_t>(kTileRows) ? kSingleTileKc : kKc;
  for (int64_t p0 = panel_begin; p0 < panel_end; p0 += kNcPanels) {
    const int64_t p1 = std::min(p0 + kNcPanels, panel_end);
    int64_t k0 = 0;
    do {  // at least once, so k == 0 still writes epilogue(bias)
      const int64_t kc = std::min(kc_block, args.k - k0);
      for (int64_t i0 = m_begin; i0 < m_end; i0 += kMc) {
        const int64_t i1 = std::min(i0 + kMc, m_end);
        PackRowTiles(args.a + i0 * args.lda + k0, static_cast<size_t>(args.lda),
                     static_cast<size_t>(i1 - i0), static_cast<size_t>(kc), packed_a);
        for (int64_t p = p0; p < p1; ++p) {
          const int64_t column = p * kPanelWidth;
          const float* b = args.packed_b + (p * args.k + k0) * kPanelWidth;
          for (int64_t i = i0; i < i1; i += kTileRows) {
            TileOutput out;
            out.c = args.c + i * args.ldc + column;
            out.ldc = static_cast<size_t>(args.ldc);
            out.width = static_cast<size_t>(std::min<int64_t>(kPanelWidth, args.n - column));
            out.accumulate = k0 > 0;
            out.finish = k0 + kc >= args.k;
            out.bias = args.bias ? args.bias + column : nullptr;
            out.epilogue = args.epilogue;
            out.residual = args.residual ? args.residual + i * args.ldr + column : nullptr;
            out.ldr = static_cast<size_t>(args.ldr);
            const size_t rows = static_cast<size_t>(std::min<int64_t>(kTileRows, i1 - i));
            RowTile<kTileRows>(rows, packed_a + (i - i0) * kc, b, static_cast<size_t>(kc), out);
          }
        }
      }
      k0 += kc;
    } while (k0 < args.k);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace encore::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace encore::kernels {

HWY_EXPORT(GemmF32);

void gemm_f32(const GemmArgs& args, int64_t m_begin, int64_t m_end, int64_t panel_begin,
              int64_t panel_end) {
  HWY_DYNAMIC_DISPATCH(GemmF32)(args, m_begin, m_end, panel_begin, panel_end);
}

void gemm_f32(const GemmArgs& args) {
  gemm_f32(args, 0, args.m, 0, panel_count(args.n));
}

}  // namespace encore::kernels
#endif
