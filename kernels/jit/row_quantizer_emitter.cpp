#include "kernels/jit/row_quantizer_emitter.h"

#include <cstddef>
#include <memory>

#include "kernels/jit/row_loop_emitter.h"

namespace encore::jit {
namespace {

#define ARG(type, field) ptr[reg_args + static_cast<int>(offsetof(type, field))]

class RowRangeEmitter : public RowLoopEmitter {
 public:
  RowRangeEmitter() {
    mov(reg_x, ARG(RowRangeArgs, x));
    mov(reg_k, ARG(RowRangeArgs, k));
    vxorps(zmm_low, zmm_low, zmm_low);  // the range always includes 0
    vxorps(zmm_high, zmm_high, zmm_high);
    emit_row_loop(
        [&](bool masked) {
          if (masked) {
            vmovups(zmm_value | mask_tail | T_z, ptr[reg_x]);  // masked lanes read 0: harmless
          } else {
            vmovups(zmm_value, ptr[reg_x]);
          }
          vminps(zmm_low, zmm_low, zmm_value);
          vmaxps(zmm_high, zmm_high, zmm_value);
        },
        [&] {
          mov(reg_tmp, ARG(RowRangeArgs, lanes));
          vmovups(ptr[reg_tmp], zmm_low);
          vmovups(ptr[reg_tmp + kLanes * 4], zmm_high);
        });
  }

 private:
  const Xbyak::Zmm zmm_low = zmm0, zmm_high = zmm1, zmm_value = zmm2;
};

class QuantizeRowEmitter : public RowLoopEmitter {
 public:
  QuantizeRowEmitter() {
    mov(reg_x, ARG(QuantizeRowArgs, x));
    mov(reg_q, ARG(QuantizeRowArgs, q));
    mov(reg_k, ARG(QuantizeRowArgs, k));
    vbroadcastss(zmm_inverse, ARG(QuantizeRowArgs, inverse_scale));
    vpbroadcastd(zmm_zero_point, ARG(QuantizeRowArgs, zero_point));
    vpxord(zmm_zero, zmm_zero, zmm_zero);
    mov(reg_tmp.cvt32(), 255);
    vpbroadcastd(zmm_255, reg_tmp.cvt32());
    emit_row_loop(
        [&](bool masked) {
          if (masked) {
            vmovups(zmm_value | mask_tail | T_z, ptr[reg_x]);
          } else {
            vmovups(zmm_value, ptr[reg_x]);
          }
          vmulps(zmm_value, zmm_value, zmm_inverse);
          vcvtps2dq(zmm_value, zmm_value);  // MXCSR default: round to nearest even
          vpaddd(zmm_value, zmm_value, zmm_zero_point);
          vpmaxsd(zmm_value, zmm_value, zmm_zero);
          vpminsd(zmm_value, zmm_value, zmm_255);
          if (masked) {
            vpmovdb(ptr[reg_q] | mask_tail, zmm_value);
          } else {
            vpmovdb(ptr[reg_q], zmm_value);
          }
        },
        [] {});
  }

 private:
  const Xbyak::Zmm zmm_value = zmm0, zmm_inverse = zmm1, zmm_zero_point = zmm2, zmm_zero = zmm3,
                   zmm_255 = zmm4;
};

#undef ARG

}  // namespace

RowRangeFn row_range_kernel() {
  static const auto code = std::make_unique<RowRangeEmitter>();  // thread-safe static init
  return code->getCode<RowRangeFn>();
}

QuantizeRowFn quantize_row_kernel() {
  static const auto code = std::make_unique<QuantizeRowEmitter>();
  return code->getCode<QuantizeRowFn>();
}

}  // namespace encore::jit
