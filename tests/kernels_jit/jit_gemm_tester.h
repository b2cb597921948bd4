// JitGemmTester — one fluent tester for the JIT GEMMs (after XNNPACK's GemmMicrokernelTester):
// set a shape, strides, epilogue and thread split, then a test_* call builds random operands, runs
// the kernel and compares every output with a scalar reference, and checks that the padding
// columns of C are untouched.
#pragma once

#include <cstddef>

#include "kernels/jit/gemm_desc.h"

namespace encore::test {

class JitGemmTester {
 public:
  JitGemmTester& m(size_t v) {
    m_ = v;
    return *this;
  }
  JitGemmTester& n(size_t v) {
    n_ = v;
    return *this;
  }
  JitGemmTester& k(size_t v) {
    k_ = v;
    return *this;
  }
  // Extra elements after each row of A (fp32) and C (strides larger than the row).
  JitGemmTester& padding(size_t v) {
    padding_ = v;
    return *this;
  }
  JitGemmTester& activation(jit::Activation v) {
    activation_ = v;
    return *this;
  }
  JitGemmTester& residual(bool v) {
    residual_ = v;
    return *this;
  }
  // Runs the GEMM as `v` slices of panels (split_panels), one call per slice, as threads would.
  JitGemmTester& slices(size_t v) {
    slices_ = v;
    return *this;
  }

  // int32 accumulators (raw_int32 epilogue) exactly equal to a scalar int64 sum.
  void test_int8_raw() const;
  // Dequantized output equal to a scalar float reference computed in the kernel's order
  // (bit-exact without activation; GELU within its approximation error of exact erf).
  void test_int8() const;
  // |c - reference| <= 1e-5 * (sum_k |a b| + |bias| + |residual|) against a double reference.
  void test_f32() const;
  // Same bound for bf16 x bf16 -> fp32, against a double reference on the bf16-rounded inputs.
  void test_bf16() const;

 private:
  template <typename RunGemm>
  void check_float_gemm(bool bf16_inputs, RunGemm&& run_gemm) const;

  size_t m_ = 1, n_ = 1, k_ = 1, padding_ = 0, slices_ = 1;
  jit::Activation activation_ = jit::Activation::none;
  bool residual_ = false;
};

// True when the JIT can run at `level` in this process (ENCORE_ISA applied); otherwise emits a
// MESSAGE saying why the caller skips.
bool jit_level_available(int level);

}  // namespace encore::test
