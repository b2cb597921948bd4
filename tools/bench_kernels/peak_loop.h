// The machine's compute roof, measured rather than assumed: a JIT loop of independent vpdpbusd
// (vfmadd231ps, vdpbf16ps) on zmm registers, no memory traffic, enough accumulators to hide
// latency.
#pragma once

#include <cstdint>
#include <memory>

namespace encore::bench {

enum class PeakInstruction { vpdpbusd, vfmadd231ps, vdpbf16ps };

class PeakLoop {
 public:
  explicit PeakLoop(PeakInstruction instruction);
  ~PeakLoop();

  // Runs `iterations` loop trips; returns the arithmetic operations done (2 per multiply-add).
  double run(int64_t iterations) const;

 private:
  class Code;
  std::unique_ptr<Code> code_;
  double ops_per_iteration_ = 0;
};

}  // namespace encore::bench
