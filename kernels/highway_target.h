// Which Highway target the kernels of this folder run on: the one HWY_DYNAMIC_DISPATCH picks now,
// asked of a dispatched function compiled like the kernels, so it is the fact, not a prediction.
#pragma once

#include <string_view>

namespace encore::kernels {

// Highway's target name ("AVX3", "AVX2", "SSE4", "SSSE3", "SCALAR" or "EMU128"): the CPU's best
// compiled target, unless ENCORE_ISA capped it (jit::cpu_features) or a test forced one.
std::string_view highway_target();

}  // namespace encore::kernels
