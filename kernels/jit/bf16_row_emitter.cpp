#include "kernels/jit/bf16_row_emitter.h"

#include <xbyak/xbyak.h>

#include <cstddef>
#include <memory>

namespace encore::jit {
namespace {

constexpr int kLanes = 16;

#define ARG(field) ptr[reg_args + static_cast<int>(offsetof(Bf16RowArgs, field))]

class Bf16RowEmitter : public Xbyak::CodeGenerator {
 public:
  Bf16RowEmitter() : Xbyak::CodeGenerator(4096, Xbyak::DontSetProtectRWE) {
    mov(reg_x, ARG(x));
    mov(reg_out, ARG(out));
    mov(reg_k, ARG(k));
    Xbyak::Label full, tail, done;
    L(full);
    cmp(reg_k, kLanes);
    jl(tail, T_NEAR);
    vmovups(zmm_value, ptr[reg_x]);
    vcvtneps2bf16(ymm_result, zmm_value);
    vmovdqu16(ptr[reg_out], ymm_result);
    add(reg_x, kLanes * 4);
    add(reg_out, kLanes * 2);
    sub(reg_k, kLanes);
    jmp(full, T_NEAR);
    L(tail);
    test(reg_k, reg_k);
    jz(done, T_NEAR);
    mov(reg_tmp.cvt32(), 1);  // mask = (1 << k) - 1 for the k < 16 remaining lanes
    shlx(reg_tmp.cvt32(), reg_tmp.cvt32(), reg_k.cvt32());
    dec(reg_tmp.cvt32());
    kmovw(mask_tail, reg_tmp.cvt32());
    vmovups(zmm_value | mask_tail | T_z, ptr[reg_x]);
    vcvtneps2bf16(ymm_result, zmm_value);
    vmovdqu16(ptr[reg_out] | mask_tail, ymm_result);
    L(done);
    vzeroupper();
    ret();
    setProtectModeRE();
  }

 private:
  const Xbyak::Reg64 reg_args = rdi;
  const Xbyak::Reg64 reg_x = rsi;
  const Xbyak::Reg64 reg_k = rdx;
  const Xbyak::Reg64 reg_out = rcx;
  const Xbyak::Reg64 reg_tmp = rax;
  const Xbyak::Opmask mask_tail = k1;
  const Xbyak::Zmm zmm_value = zmm0;
  const Xbyak::Ymm ymm_result = ymm1;
};

#undef ARG

}  // namespace

Bf16RowFn bf16_row_kernel() {
  static const auto code = std::make_unique<Bf16RowEmitter>();  // thread-safe static init
  return code->getCode<Bf16RowFn>();
}

}  // namespace encore::jit
