#include "kernels/jit/bf16_row_emitter.h"

#include <cstddef>
#include <memory>

#include "kernels/jit/row_loop_emitter.h"

namespace encore::jit {
namespace {

#define ARG(field) ptr[reg_args + static_cast<int>(offsetof(Bf16RowArgs, field))]

class Bf16RowEmitter : public RowLoopEmitter {
 public:
  Bf16RowEmitter() {
    mov(reg_x, ARG(x));
    mov(reg_q, ARG(out));
    mov(reg_k, ARG(k));
    emit_row_loop(
        [&](bool masked) {
          if (masked) {
            vmovups(zmm_value | mask_tail | T_z, ptr[reg_x]);
            vcvtneps2bf16(ymm_result, zmm_value);
            vmovdqu16(ptr[reg_q] | mask_tail, ymm_result);
          } else {
            vmovups(zmm_value, ptr[reg_x]);
            vcvtneps2bf16(ymm_result, zmm_value);
            vmovdqu16(ptr[reg_q], ymm_result);
          }
        },
        [] {}, /*out_bytes=*/2);
  }

 private:
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
