#include "kernels/jit/gemm.h"

#include <algorithm>

#include "kernels/jit/kernel_cache.h"
#include "support/error.h"

namespace encore::jit {

PanelRange split_panels(size_t panel_count, size_t part, size_t parts) {
  if (parts == 0 || part >= parts) throw_error("split_panels: part ", part, " of ", parts);
  const size_t base = panel_count / parts;
  const size_t extra = panel_count % parts;  // the first `extra` parts get one more
  return {part * base + std::min(part, extra), base + (part < extra ? 1 : 0)};
}

JitGemm::JitGemm(GemmPrecision precision, size_t m, size_t n, size_t k, const Epilogue& epilogue)
    : plan_(plan_gemm(precision, m, n, k, epilogue, cpu_features().caches)) {
  for (int chunk = 0; chunk < 4; ++chunk) {
    for (int row_tail = 0; row_tail < 2; ++row_tail) {
      for (int panel_tail = 0; panel_tail < 2; ++panel_tail) {
        const GemmKernelDesc& desc = plan_.kernels[chunk][row_tail][panel_tail];
        if (desc.k_steps > 0) kernels_[chunk][row_tail][panel_tail] = gemm_kernel(desc);
      }
    }
  }
}

void JitGemm::check_output(const GemmOutput& out) const {
  if (out.c == nullptr) throw_error("GEMM M=", plan_.m, " N=", plan_.n, ": no output buffer");
  if (plan_.epilogue.residual_add && out.residual == nullptr) {
    throw_error("GEMM M=", plan_.m, " N=", plan_.n, ": residual_add epilogue without a residual");
  }
}

void JitGemm::run_panels(const GemmKernelArgs& base, size_t panel_bytes, PanelRange range,
                         NextWeights next) const {
  const size_t first = std::min(range.first, plan_.panel_count);
  const size_t end = first + std::min(range.count, plan_.panel_count - first);
  const size_t row_blocks = plan_.full_row_blocks + (plan_.tail_rows ? 1 : 0);
  const size_t full_end = plan_.has_tail_panel ? std::min(end, plan_.panel_count - 1) : end;

  // Lookahead: the calls over one block prefetch the next block of this range (after the last
  // block: `next`), in order, each continuing where the previous stopped; once all of it is asked
  // for, they re-touch their own (cached) panels.
  const auto* panels_base = static_cast<const std::byte*>(base.panels);
  const size_t lookahead_step_bytes = plan_.lookahead_lines * size_t{64};
  const std::byte* ahead_base = nullptr;  // the block to fetch: [ahead_base, + ahead_bytes)
  size_t ahead_bytes = 0, ahead_offset = 0;

  // One kernel call: rows [row, row + its block) x `count` panels from `panel`, K chunk `chunk`.
  auto call = [&](GemmKernelFn kernel, size_t row, size_t panel, size_t count, size_t chunk) {
    const size_t column = panel * kPanelLanes * sizeof(float);
    GemmKernelArgs args = base;
    args.a = static_cast<const std::byte*>(base.a) + row * base.a_stride +
             chunk * plan_.k_chunk_steps * kAStepBytes;
    args.panels = panels_base + panel * panel_bytes;
    if (lookahead_step_bytes > 0) {
      args.lookahead = ahead_offset < ahead_bytes ? ahead_base + ahead_offset : args.panels;
      ahead_offset += lookahead_step_bytes * plan_.k_chunk_steps * count;
    }
    args.panel_count = static_cast<int64_t>(count);
    args.weights_offset = static_cast<int64_t>(chunk * plan_.k_chunk_steps * kPanelStepBytes);
    args.c = static_cast<std::byte*>(base.c) + row * base.c_stride + column;
    if (base.residual) {
      args.residual = reinterpret_cast<const float*>(
          reinterpret_cast<const std::byte*>(base.residual) + row * base.residual_stride + column);
    }
    if (base.row_scale) {
      args.row_scale = base.row_scale + row;
      args.row_zero_point = base.row_zero_point + row;
    }
    kernel(&args);
  };

  // Weights block (L2) outermost, then K chunks, then rows: every row passes over the block's
  // chunk while it is cached.
  for (size_t block = first; block < end; block += plan_.panels_per_block) {
    const size_t block_end = std::min(end, block + plan_.panels_per_block);
    const size_t full_panels = block < full_end ? std::min(block_end, full_end) - block : 0;
    const bool tail_panel_here = block_end > full_end;
    ahead_offset = 0;
    if (block_end < end) {
      ahead_base = panels_base + block_end * panel_bytes;
      ahead_bytes = (std::min(end, block_end + plan_.panels_per_block) - block_end) * panel_bytes;
    } else {
      ahead_base = static_cast<const std::byte*>(next.data);
      ahead_bytes = next.data ? next.bytes : 0;
    }
    for (size_t chunk = 0; chunk < plan_.k_chunk_count; ++chunk) {
      const KChunk kind = plan_.k_chunk_count == 1           ? KChunk::whole
                          : chunk == 0                       ? KChunk::first
                          : chunk + 1 == plan_.k_chunk_count ? KChunk::last
                                                             : KChunk::middle;
      const auto& kernels = kernels_[static_cast<int>(kind)];
      for (size_t row_block = 0; row_block < row_blocks; ++row_block) {
        const size_t row = row_block * plan_.m_block;
        const int row_tail = row_block == plan_.full_row_blocks ? 1 : 0;
        if (full_panels > 0) call(kernels[row_tail][0], row, block, full_panels, chunk);
        if (tail_panel_here) call(kernels[row_tail][1], row, plan_.panel_count - 1, 1, chunk);
      }
    }
  }
}

Int8Gemm::Int8Gemm(size_t m, size_t n, size_t k, const Epilogue& epilogue)
    : JitGemm(GemmPrecision::int8_vnni, m, n, k, epilogue) {}

void Int8Gemm::check(const QuantizedRows& a, const PackedInt8Weights& w, bool raw) const {
  if (a.m != plan_.m || a.k != plan_.k || w.n != plan_.n || w.k != plan_.k) {
    throw_error("Int8Gemm planned for M=", plan_.m, " N=", plan_.n, " K=", plan_.k,
                ", called with A [", a.m, ", ", a.k, "] and W [", w.n, ", ", w.k, "]");
  }
  if (raw != plan_.epilogue.raw_int32) {
    throw_error("Int8Gemm: ", raw ? "run_raw" : "run", " called on a GEMM planned ",
                raw ? "without" : "with", " the raw_int32 epilogue");
  }
}

void Int8Gemm::run(const QuantizedRows& a, const PackedInt8Weights& w, const GemmOutput& out,
                   PanelRange range, NextWeights next) const {
  check(a, w, false);
  check_output(out);
  GemmKernelArgs args;
  args.a = a.data.data();
  args.a_stride = static_cast<int64_t>(a.stride);
  args.panels = w.panels.data();
  args.c = out.c;
  args.c_stride = static_cast<int64_t>(out.c_stride * sizeof(float));
  args.residual = out.residual;
  args.residual_stride = static_cast<int64_t>(out.residual_stride * sizeof(float));
  args.row_scale = a.scale.data();
  args.row_zero_point = a.zero_point.data();
  run_panels(args, w.panel_bytes(), range, next);
}

void Int8Gemm::run_raw(const QuantizedRows& a, const PackedInt8Weights& w, int32_t* c,
                       size_t c_stride, PanelRange range) const {
  check(a, w, true);
  GemmKernelArgs args;
  args.a = a.data.data();
  args.a_stride = static_cast<int64_t>(a.stride);
  args.panels = w.panels.data();
  args.c = c;
  args.c_stride = static_cast<int64_t>(c_stride * sizeof(int32_t));
  run_panels(args, w.panel_bytes(), range);
}

F32Gemm::F32Gemm(size_t m, size_t n, size_t k, const Epilogue& epilogue)
    : JitGemm(GemmPrecision::fp32, m, n, k, epilogue) {}

void F32Gemm::run(const float* a, size_t a_stride, const PackedF32Weights& w, const GemmOutput& out,
                  PanelRange range) const {
  if (w.n != plan_.n || w.k != plan_.k) {
    throw_error("F32Gemm planned for N=", plan_.n, " K=", plan_.k, ", called with W [", w.n, ", ",
                w.k, "]");
  }
  check_output(out);
  GemmKernelArgs args;
  args.a = a;
  args.a_stride = static_cast<int64_t>(a_stride * sizeof(float));
  args.panels = w.panels.data();
  args.c = out.c;
  args.c_stride = static_cast<int64_t>(out.c_stride * sizeof(float));
  args.residual = out.residual;
  args.residual_stride = static_cast<int64_t>(out.residual_stride * sizeof(float));
  run_panels(args, w.panel_bytes(), range);
}

Bf16Gemm::Bf16Gemm(size_t m, size_t n, size_t k, const Epilogue& epilogue)
    : JitGemm(GemmPrecision::bf16, m, n, k, epilogue) {}

void Bf16Gemm::run(const Bf16Rows& a, const PackedBf16Weights& w, const GemmOutput& out,
                   PanelRange range, NextWeights next) const {
  if (a.m != plan_.m || a.k != plan_.k || w.n != plan_.n || w.k != plan_.k) {
    throw_error("Bf16Gemm planned for M=", plan_.m, " N=", plan_.n, " K=", plan_.k,
                ", called with A [", a.m, ", ", a.k, "] and W [", w.n, ", ", w.k, "]");
  }
  check_output(out);
  GemmKernelArgs args;
  args.a = a.data.data();
  args.a_stride = static_cast<int64_t>(a.stride * sizeof(uint16_t));
  args.panels = w.panels.data();
  args.c = out.c;
  args.c_stride = static_cast<int64_t>(out.c_stride * sizeof(float));
  args.residual = out.residual;
  args.residual_stride = static_cast<int64_t>(out.residual_stride * sizeof(float));
  run_panels(args, w.panel_bytes(), range, next);
}

}  // namespace encore::jit
