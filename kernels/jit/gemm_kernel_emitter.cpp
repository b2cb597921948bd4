#include "kernels/jit/gemm_kernel_emitter.h"

#include <cstddef>

#include "kernels/jit/activation_emitter.h"
#include "kernels/jit/panel_layout.h"

namespace encore::jit {
namespace {

constexpr size_t kMaxCodeBytes = 64 * 1024;
// Each K step consumes 4 bytes of an A row (4 u8, 2 bf16 or 1 float) and 256 bytes of the panel
// (64 lanes x 4 s8, 2 bf16 or 1 float): the same pointer arithmetic for every precision.
constexpr int kARowStep = static_cast<int>(kAStepBytes);
constexpr int kPanelStep = static_cast<int>(kPanelStepBytes);
constexpr int kZmmBytes = 64;
constexpr int kLineBytes = 64;
constexpr int kPanelOutputBytes = static_cast<int>(kPanelLanes * sizeof(float));  // C columns

#define ARG(field) ptr[reg_args + static_cast<int>(offsetof(GemmKernelArgs, field))]

}  // namespace

GemmKernelEmitter::GemmKernelEmitter(const GemmKernelDesc& desc)
    : Xbyak::CodeGenerator(kMaxCodeBytes, Xbyak::DontSetProtectRWE),
      desc_(desc),
      int8_(desc.precision == GemmPrecision::int8_vnni),
      weights_offset_(int8_ ? Int8PanelLayout::weights_offset : F32PanelLayout::weights_offset),
      bias_offset_(int8_ ? Int8PanelLayout::bias_offset : F32PanelLayout::bias_offset),
      panel_bytes_(weights_offset_ + desc.k_steps * kPanelStepBytes) {
  static_assert(Bf16PanelLayout::weights_offset == F32PanelLayout::weights_offset &&
                Bf16PanelLayout::bias_offset == F32PanelLayout::bias_offset);
  emit_prologue();
  emit_panel_loop();
  emit_return();
  emit_activation_constants(*this, constants_);
  setProtectModeRE();  // W^X: writable while emitting, executable after
}

void GemmKernelEmitter::emit_prologue() {
  for (const auto& reg : {rbx, rbp, r12, r13, r14, r15}) push(reg);
  if (desc_.lookahead_lines > 0) {
    // The lookahead pointer lives in a stack slot between panels: reg_tmp carries it through
    // the K loop, where nothing else uses reg_tmp, and the epilogue needs reg_tmp back.
    sub(rsp, 8);
    mov(reg_tmp, ARG(lookahead));
    mov(ptr[rsp], reg_tmp);
  }
  mov(reg_a_stride, ARG(a_stride));
  mov(reg_panel, ARG(panels));
  mov(reg_panels_left, ARG(panel_count));
  mov(reg_c0, ARG(c));
  mov(reg_c_stride, ARG(c_stride));
  lea(reg_c3, ptr[reg_c0 + reg_c_stride * 2]);
  add(reg_c3, reg_c_stride);
  if (desc_.epilogue.residual_add) {
    mov(reg_r0, ARG(residual));
    mov(reg_r_stride, ARG(residual_stride));
    lea(reg_r3, ptr[reg_r0 + reg_r_stride * 2]);
    add(reg_r3, reg_r_stride);
  }
  if (desc_.last_reg_lanes < 16) {
    mov(reg_tmp.cvt32(), (1u << desc_.last_reg_lanes) - 1);
    kmovw(mask_tail, reg_tmp.cvt32());
  }
}

void GemmKernelEmitter::emit_return() {
  vzeroupper();
  if (desc_.lookahead_lines > 0) add(rsp, 8);
  for (const auto& reg : {r15, r14, r13, r12, rbp, rbx}) pop(reg);
  ret();
}

Xbyak::RegExp GemmKernelEmitter::row_address(int row, const Xbyak::Reg64& base0,
                                             const Xbyak::Reg64& base3,
                                             const Xbyak::Reg64& stride) const {
  const Xbyak::Reg64& base = row < 3 ? base0 : base3;
  switch (row % 3) {
    case 0:
      return Xbyak::RegExp(base);
    case 1:
      return base + stride;
    default:
      return base + stride * 2;
  }
}

void GemmKernelEmitter::emit_panel_loop() {
  Xbyak::Label next_panel;
  L(next_panel);
  emit_accumulator_init();
  mov(reg_a0, ARG(a));
  lea(reg_a3, ptr[reg_a0 + reg_a_stride * 2]);
  add(reg_a3, reg_a_stride);
  mov(reg_b, ARG(weights_offset));
  lea(reg_b, ptr[reg_panel + reg_b + static_cast<int>(weights_offset_)]);
  if (desc_.lookahead_lines > 0) mov(reg_tmp, ptr[rsp]);
  emit_k_loop();
  if (desc_.lookahead_lines > 0) mov(ptr[rsp], reg_tmp);
  emit_output();

  add(reg_panel, static_cast<int>(panel_bytes_));
  add(reg_c0, kPanelOutputBytes);
  add(reg_c3, kPanelOutputBytes);
  if (desc_.epilogue.residual_add) {
    add(reg_r0, kPanelOutputBytes);
    add(reg_r3, kPanelOutputBytes);
  }
  dec(reg_panels_left);
  jnz(next_panel, T_NEAR);
}

void GemmKernelEmitter::emit_accumulator_init() {
  const bool continue_partial = desc_.k_chunk == KChunk::middle || desc_.k_chunk == KChunk::last;
  for (int row = 0; row < desc_.m_rows; ++row) {
    for (int col = 0; col < desc_.n_regs; ++col) {
      const Xbyak::Zmm acc = accumulator(row, col);
      if (!continue_partial) {
        vpxord(acc, acc, acc);
        continue;
      }
      const auto partial = ptr[row_address(row, reg_c0, reg_c3, reg_c_stride) + col * kZmmBytes];
      if (is_masked(col)) {
        vmovups(acc | mask_tail | T_z, partial);
      } else {
        vmovups(acc, partial);
      }
    }
  }
}

void GemmKernelEmitter::emit_k_loop() {
  const int unroll = desc_.k_unroll;
  const uint32_t iterations = desc_.k_steps / unroll;
  const int remainder = static_cast<int>(desc_.k_steps % unroll);
  if (iterations > 0) {
    Xbyak::Label body;
    mov(reg_k_iterations, iterations);
    L(body);
    for (int step = 0; step < unroll; ++step) emit_k_step(step);
    add(reg_a0, unroll * kARowStep);
    add(reg_a3, unroll * kARowStep);
    add(reg_b, unroll * kPanelStep);
    if (desc_.lookahead_lines > 0) add(reg_tmp, unroll * desc_.lookahead_lines * kLineBytes);
    dec(reg_k_iterations);
    jnz(body, T_NEAR);
  }
  for (int step = 0; step < remainder; ++step) emit_k_step(step);
  if (remainder > 0 && desc_.lookahead_lines > 0) {
    add(reg_tmp, remainder * desc_.lookahead_lines * kLineBytes);
  }
}

void GemmKernelEmitter::emit_k_step(int step) {
  for (int col = 0; col < desc_.n_regs; ++col) {
    vmovups(zmm_b[col], ptr[reg_b + step * kPanelStep + col * kZmmBytes]);
  }
  if (desc_.prefetch_steps > 0) {
    // The whole 256-byte step (4 lines), also in the N-tail panel: its layout is full width.
    const int ahead = (step + desc_.prefetch_steps) * kPanelStep;
    for (int line = 0; line < kPanelStep / kLineBytes; ++line) {
      prefetcht0(ptr[reg_b + ahead + line * kLineBytes]);
    }
  }
  for (int line = 0; line < desc_.lookahead_lines; ++line) {
    prefetcht1(ptr[reg_tmp + (step * desc_.lookahead_lines + line) * kLineBytes]);
  }
  for (int row = 0; row < desc_.m_rows; ++row) {
    const Xbyak::Zmm& a = zmm_a[row % 2];
    const auto a_address = ptr[row_address(row, reg_a0, reg_a3, reg_a_stride) + step * kARowStep];
    if (desc_.precision == GemmPrecision::fp32) {
      vbroadcastss(a, a_address);
    } else {
      vpbroadcastd(a, a_address);  // 4 u8 or 2 bf16: one K step of the row
    }
    for (int col = 0; col < desc_.n_regs; ++col) {
      const Xbyak::Zmm acc = accumulator(row, col);
      switch (desc_.precision) {
        case GemmPrecision::int8_vnni:
          vpdpbusd(acc, a, zmm_b[col]);
          break;  // u8 x s8
        case GemmPrecision::bf16:
          vdpbf16ps(acc, zmm_b[col], a);
          break;
        case GemmPrecision::fp32:
          vfmadd231ps(acc, zmm_b[col], a);
          break;
      }
    }
  }
}

void GemmKernelEmitter::emit_int8_dequantize() {
  // acc - zp_m * colsum_n: removes the activation zero point exactly, in int32.
  mov(reg_tmp, ARG(row_zero_point));
  for (int row = 0; row < desc_.m_rows; ++row) {
    vpbroadcastd(zmm_row_value, ptr[reg_tmp + row * 4]);
    for (int col = 0; col < desc_.n_regs; ++col) {
      vpmulld(zmm_scratch, zmm_row_value,
              ptr[reg_panel + static_cast<int>(Int8PanelLayout::colsum_offset) + col * kZmmBytes]);
      vpsubd(accumulator(row, col), accumulator(row, col), zmm_scratch);
    }
  }
  // float(acc) * scale_n, then fma with scale_m and bias_n.
  mov(reg_tmp, ARG(row_scale));
  for (int row = 0; row < desc_.m_rows; ++row) {
    vbroadcastss(zmm_row_value, ptr[reg_tmp + row * 4]);
    for (int col = 0; col < desc_.n_regs; ++col) {
      const Xbyak::Zmm acc = accumulator(row, col);
      vcvtdq2ps(acc, acc);
      vmulps(acc, acc,
             ptr[reg_panel + static_cast<int>(Int8PanelLayout::scale_offset) + col * kZmmBytes]);
      vfmadd213ps(acc, zmm_row_value,
                  ptr[reg_panel + static_cast<int>(bias_offset_) + col * kZmmBytes]);
    }
  }
}

void GemmKernelEmitter::emit_bias() {
  for (int row = 0; row < desc_.m_rows; ++row) {
    for (int col = 0; col < desc_.n_regs; ++col) {
      vaddps(accumulator(row, col), accumulator(row, col),
             ptr[reg_panel + static_cast<int>(bias_offset_) + col * kZmmBytes]);
    }
  }
}

void GemmKernelEmitter::emit_output() {
  const bool partial = desc_.k_chunk == KChunk::first || desc_.k_chunk == KChunk::middle;
  if (partial) {
    for (int row = 0; row < desc_.m_rows; ++row) {
      for (int col = 0; col < desc_.n_regs; ++col) emit_store(row, col);
    }
    return;
  }
  const Epilogue& epilogue = desc_.epilogue;
  if (!epilogue.raw_int32) {
    if (int8_) {
      emit_int8_dequantize();
    } else {
      emit_bias();
    }
  }
  const ActivationScratch scratch{zmm_b[0], zmm_b[1], zmm_b[2], zmm_b[3]};
  for (int row = 0; row < desc_.m_rows; ++row) {
    for (int col = 0; col < desc_.n_regs; ++col) {
      const Xbyak::Zmm acc = accumulator(row, col);
      if (epilogue.activation == Activation::relu) emit_relu(*this, acc, constants_);
      if (epilogue.activation == Activation::gelu_erf) {
        emit_gelu_erf(*this, acc, scratch, constants_);
      }
      if (epilogue.residual_add) {
        const auto residual = ptr[row_address(row, reg_r0, reg_r3, reg_r_stride) + col * kZmmBytes];
        if (is_masked(col)) {
          vaddps(acc | mask_tail, acc, residual);  // masked lanes are not read: no overrun
        } else {
          vaddps(acc, acc, residual);
        }
      }
      emit_store(row, col);
    }
  }
}

void GemmKernelEmitter::emit_store(int row, int col) {
  const auto address = ptr[row_address(row, reg_c0, reg_c3, reg_c_stride) + col * kZmmBytes];
  const Xbyak::Zmm acc = accumulator(row, col);
  if (is_masked(col)) {
    vmovups(address | mask_tail, acc);
  } else {
    vmovups(address, acc);
  }
}

#undef ARG

}  // namespace encore::jit
