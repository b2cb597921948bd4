// xbyak generator for one GEMM micro-kernel: desc.m_rows rows of A times a run of packed 64-lane
// panels, accumulators in zmm registers, fused epilogue, masked stores for the N tail.
// Everything it emits is decided by the GemmKernelDesc; it makes no blocking decision itself.
#pragma once

#include <xbyak/xbyak.h>

#include "kernels/jit/gemm_desc.h"

namespace encore::jit {

class GemmKernelEmitter : public Xbyak::CodeGenerator {
 public:
  explicit GemmKernelEmitter(const GemmKernelDesc& desc);

  GemmKernelFn function() const { return getCode<GemmKernelFn>(); }

 private:
  void emit_prologue();
  void emit_return();
  void emit_panel_loop();
  void emit_accumulator_init();
  void emit_k_loop();
  void emit_k_step(int step_in_body);
  void emit_output();
  void emit_int8_dequantize();
  void emit_bias();
  void emit_store(int row, int col);

  // Row `row` of a matrix whose row 0 is at base0 and row 3 at base3 (x86 scales stop at 2 rows).
  Xbyak::RegExp row_address(int row, const Xbyak::Reg64& base0, const Xbyak::Reg64& base3,
                            const Xbyak::Reg64& stride) const;
  Xbyak::Zmm accumulator(int row, int col) const { return Xbyak::Zmm(row * desc_.n_regs + col); }
  bool is_masked(int col) const { return col == desc_.n_regs - 1 && desc_.last_reg_lanes < 16; }

  const GemmKernelDesc desc_;
  const bool int8_;
  const size_t weights_offset_;
  const size_t bias_offset_;
  const size_t panel_bytes_;

  // General registers. rbx, rbp and r12-r15 are callee-saved and pushed by the prologue.
  const Xbyak::Reg64 reg_args = rdi;
  const Xbyak::Reg64 reg_a0 = rsi;  // A row 0 (advances along K)
  const Xbyak::Reg64 reg_a3 = rdx;  // A row 3
  const Xbyak::Reg64 reg_a_stride = rcx;
  const Xbyak::Reg64 reg_b = rax;  // weights of the current panel (advances along K)
  const Xbyak::Reg64 reg_panel = r8;
  const Xbyak::Reg64 reg_panels_left = r9;
  const Xbyak::Reg64 reg_k_iterations = r10;
  const Xbyak::Reg64 reg_c0 = r11;
  const Xbyak::Reg64 reg_c3 = rbx;
  const Xbyak::Reg64 reg_c_stride = rbp;
  const Xbyak::Reg64 reg_r0 = r12;  // residual rows 0 and 3
  const Xbyak::Reg64 reg_r3 = r13;
  const Xbyak::Reg64 reg_r_stride = r14;
  const Xbyak::Reg64 reg_tmp = r15;

  // Vector registers: zmm0..23 accumulators (row-major), then operands reused as epilogue scratch.
  const Xbyak::Zmm zmm_b[4] = {zmm24, zmm25, zmm26, zmm27};  // one K step of the panel
  const Xbyak::Zmm zmm_a[2] = {zmm28, zmm29};                // broadcast A, alternating rows
  const Xbyak::Zmm zmm_row_value = zmm30;                    // epilogue: per-row scale / zero point
  const Xbyak::Zmm zmm_scratch = zmm31;
  const Xbyak::Opmask mask_tail = k1;

  Xbyak::Label constants_;
};

}  // namespace encore::jit
