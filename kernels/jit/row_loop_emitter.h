// The loop shape the row emitters share (quantizer, range, bf16 conversion): full zmm steps of 16
// floats over one row, then one masked step for the K tail.
#pragma once

#include <xbyak/xbyak.h>

namespace encore::jit {

class RowLoopEmitter : public Xbyak::CodeGenerator {
 protected:
  static constexpr int kLanes = 16;

  RowLoopEmitter() : Xbyak::CodeGenerator(4096, Xbyak::DontSetProtectRWE) {}

  // step(masked) processes 16 floats at reg_x and writes 16 outputs of `out_bytes` bytes at reg_q
  // (if it writes any); with masked, only the lanes in mask_tail. finish() runs once after.
  template <typename Step, typename Finish>
  void emit_row_loop(Step&& step, Finish&& finish, int out_bytes = 1) {
    Xbyak::Label full, tail, done;
    L(full);
    cmp(reg_k, kLanes);
    jl(tail, T_NEAR);
    step(false);
    add(reg_x, kLanes * 4);
    add(reg_q, kLanes * out_bytes);
    sub(reg_k, kLanes);
    jmp(full, T_NEAR);
    L(tail);
    test(reg_k, reg_k);
    jz(done, T_NEAR);
    mov(reg_tmp.cvt32(), 1);  // mask = (1 << k) - 1 for the k < 16 remaining lanes
    shlx(reg_tmp.cvt32(), reg_tmp.cvt32(), reg_k.cvt32());
    dec(reg_tmp.cvt32());
    kmovw(mask_tail, reg_tmp.cvt32());
    step(true);
    L(done);
    finish();
    vzeroupper();
    ret();
    setProtectModeRE();
  }

  const Xbyak::Reg64 reg_args = rdi;
  const Xbyak::Reg64 reg_x = rsi;
  const Xbyak::Reg64 reg_k = rdx;
  const Xbyak::Reg64 reg_q = rcx;
  const Xbyak::Reg64 reg_tmp = rax;
  const Xbyak::Opmask mask_tail = k1;
};

}  // namespace encore::jit
