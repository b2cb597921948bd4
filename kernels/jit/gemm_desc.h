// What one generated GEMM micro-kernel does, decided by the planner before any code is emitted
// (oneDNN brgemm habit): the emitter reads this and only emits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

namespace encore::jit {

enum class GemmPrecision : uint8_t { int8_vnni, fp32, bf16 };
enum class Activation : uint8_t { none, relu, gelu_erf };

// Work fused after the accumulation, in this order: dequantize (int8) and bias, activation,
// residual add. raw_int32 (int8 only) stores the bare int32 accumulators instead: the tester's
// view.
struct Epilogue {
  Activation activation = Activation::none;
  bool residual_add = false;
  bool raw_int32 = false;

  bool operator==(const Epilogue&) const = default;
};

// Where a kernel's K steps sit in the whole K, when K is split into cache-sized chunks (fp32, long
// K): the first chunk starts from zero, later ones add to the partial sums left in C, and only the
// last applies the epilogue.
enum class KChunk : uint8_t { whole, first, middle, last };

struct GemmKernelDesc {
  GemmPrecision precision = GemmPrecision::fp32;
  uint8_t m_rows = 1;  // rows of A (and C) per call: 1..kMaxRows
  uint8_t n_regs = 4;  // zmm columns per panel used: 1..4 (fewer only for the N-tail panel)
  uint8_t last_reg_lanes = 16;  // valid lanes of the last zmm column (1..16): the N tail, masked
  uint8_t k_unroll = 4;         // K steps per loop iteration (groups of 4 for int8)
  uint32_t k_steps = 0;  // K steps of this kernel: k for fp32, ceil(k/2) pairs for bf16 (or a
                         // chunk of those), ceil(k/4) groups for int8
  KChunk k_chunk = KChunk::whole;
  // Software prefetch of the weights this many K steps ahead (0 = none): at batch 1 they stream
  // from memory, and the hardware prefetcher stops at every 4 KB page.
  uint8_t prefetch_steps = 0;
  // Cache lines of the *next* weights block prefetched into L2 per K step, from
  // GemmKernelArgs::lookahead (0 = none): while the rows pass over the block in cache, the next
  // one streams in, so memory time overlaps compute instead of adding to it (int8, M > 6 rows).
  uint8_t lookahead_lines = 0;
  Epilogue epilogue;

  bool operator==(const GemmKernelDesc&) const = default;
};

inline constexpr int kMaxRows = 6;  // 6 rows x 4 zmm = 24 accumulators, 8 zmm left for operands

// Arguments of every generated GEMM kernel, read by the code at fixed offsets. Strides in bytes.
struct GemmKernelArgs {
  const void* a = nullptr;  // row 0 of this row block
  int64_t a_stride = 0;
  const void* panels = nullptr;  // first packed panel to process
  int64_t panel_count = 0;       // consecutive panels (all of this kernel's width)
  void* c = nullptr;             // C row 0, column of the first panel
  int64_t c_stride = 0;
  const float* residual = nullptr;  // same geometry as c, when epilogue.residual_add
  int64_t residual_stride = 0;
  const float* row_scale = nullptr;         // int8: per-row activation scale (row 0 of the block)
  const int32_t* row_zero_point = nullptr;  // int8: per-row activation zero point
  int64_t weights_offset = 0;               // bytes into each panel's weights: the K chunk's start
  // desc.lookahead_lines > 0: where this call's L2 prefetches start (advancing 64 bytes per line,
  // lookahead_lines per K step, across all its panels). Never null then: point it at memory the
  // call reads anyway when there is nothing to fetch.
  const void* lookahead = nullptr;
};

using GemmKernelFn = void (*)(const GemmKernelArgs*);

struct GemmKernelDescHash {
  size_t operator()(const GemmKernelDesc& d) const {
    uint64_t h = static_cast<uint64_t>(d.precision);
    for (uint64_t field :
         {uint64_t{d.m_rows}, uint64_t{d.n_regs}, uint64_t{d.last_reg_lanes}, uint64_t{d.k_unroll},
          uint64_t{d.k_steps}, uint64_t(d.k_chunk), uint64_t{d.prefetch_steps},
          uint64_t{d.lookahead_lines}, uint64_t(d.epilogue.activation),
          uint64_t{d.epilogue.residual_add}, uint64_t{d.epilogue.raw_int32}}) {
      h = h * 1000003u ^ field;
    }
    return std::hash<uint64_t>{}(h);
  }
};

}  // namespace encore::jit
