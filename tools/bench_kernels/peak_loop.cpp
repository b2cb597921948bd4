#include "peak_loop.h"

#include <xbyak/xbyak.h>

namespace encore::bench {

namespace {
constexpr int kAccumulators = 24;  // > latency x issue width on current cores (5 x 2)
}

class PeakLoop::Code : public Xbyak::CodeGenerator {
 public:
  explicit Code(PeakInstruction instruction) {
    const Xbyak::Reg64& iterations = rdi;
    // Zero operands: no denormal slow paths, identical work for both instructions.
    for (int i = 0; i < 32; ++i) vpxord(Xbyak::Zmm(i), Xbyak::Zmm(i), Xbyak::Zmm(i));
    Xbyak::Label loop;
    L(loop);
    for (int i = 0; i < kAccumulators; ++i) {
      switch (instruction) {
        case PeakInstruction::vpdpbusd:
          vpdpbusd(Xbyak::Zmm(i), zmm30, zmm31);
          break;
        case PeakInstruction::vfmadd231ps:
          vfmadd231ps(Xbyak::Zmm(i), zmm30, zmm31);
          break;
        case PeakInstruction::vdpbf16ps:
          vdpbf16ps(Xbyak::Zmm(i), zmm30, zmm31);
          break;
      }
    }
    dec(iterations);
    jnz(loop);
    vzeroupper();
    ret();
  }
};

PeakLoop::PeakLoop(PeakInstruction instruction) : code_(std::make_unique<Code>(instruction)) {
  // Per instruction: 64 u8 x s8, 32 bf16 or 16 fp32 multiply-adds, two operations each.
  const int lanes_macs = instruction == PeakInstruction::vpdpbusd    ? 64
                         : instruction == PeakInstruction::vdpbf16ps ? 32
                                                                     : 16;
  ops_per_iteration_ = 2.0 * lanes_macs * kAccumulators;
}

PeakLoop::~PeakLoop() = default;

double PeakLoop::run(int64_t iterations) const {
  code_->getCode<void (*)(int64_t)>()(iterations);
  return ops_per_iteration_ * static_cast<double>(iterations);
}

}  // namespace encore::bench
