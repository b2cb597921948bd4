// The engine tests run once per dispatch level (meson test entries with ENCORE_ISA=avx512,
// portable, avx2 and sse4). On a CPU below the requested level, cpu_features() refuses the override:
// the test then says so and passes without running, so CI machines without AVX-512 stay green.
#pragma once

#include <doctest/doctest.h>

#include "kernels/jit/cpu_features.h"
#include "support/error.h"

namespace encore::test {

inline bool requested_isa_runs_here() {
  try {
    jit::cpu_features();
    return true;
  } catch (const Error& error) {
    MESSAGE("skipped: ", error.what());
    return false;
  }
}

}  // namespace encore::test
