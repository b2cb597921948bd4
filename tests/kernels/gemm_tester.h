// GemmTester — one fluent tester for gemm_f32 (after XNNPACK's GemmMicrokernelTester): set a shape,
// strides, epilogue and sub-block, then Test() packs a random B, runs the kernel and compares
// every output of the block with a float64 scalar reference (and checks outputs outside the block
// are untouched).
#pragma once

#include <cstdint>

#include "kernels/gemm_f32.h"

namespace encore::test {

class GemmTester {
 public:
  GemmTester& m(int64_t v) {
    m_ = v;
    return *this;
  }
  GemmTester& n(int64_t v) {
    n_ = v;
    return *this;
  }
  GemmTester& k(int64_t v) {
    k_ = v;
    return *this;
  }
  // Extra elements between rows of A, B and C (strides larger than the row).
  GemmTester& padding(int64_t v) {
    padding_ = v;
    return *this;
  }
  GemmTester& epilogue(kernels::Epilogue v) {
    epilogue_ = v;
    return *this;
  }
  GemmTester& bias(bool v) {
    bias_ = v;
    return *this;
  }
  // Compute only rows [m_begin, m_end) and panels [panel_begin, panel_end) (-1: to the end).
  GemmTester& rows(int64_t begin, int64_t end) {
    m_begin_ = begin;
    m_end_ = end;
    return *this;
  }
  GemmTester& panels(int64_t begin, int64_t end) {
    panel_begin_ = begin;
    panel_end_ = end;
    return *this;
  }

  void Test() const;

 private:
  int64_t m_ = 1, n_ = 1, k_ = 1, padding_ = 0;
  kernels::Epilogue epilogue_ = kernels::Epilogue::kNone;
  bool bias_ = true;
  int64_t m_begin_ = 0, m_end_ = -1, panel_begin_ = 0, panel_end_ = -1;
};

}  // namespace encore::test
