// Runs a test body once for every Highway target compiled into the kernels that this CPU supports
// (AVX3, AVX2, SSE4, ... down to SCALAR or EMU128), so each dispatched code path is checked, not
// just the best. Under ENCORE_ISA=avx2|sse4 only the targets at or below the cap run
// (DisableTargets is sticky); if the CPU lacks the requested level the body is skipped with a
// message.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "hwy/targets.h"
#include "kernels/jit/cpu_features.h"
#include "support/error.h"

namespace encore::test {

template <class Body>
void for_each_target(Body&& body) {
  try {
    jit::cpu_features();  // applies ENCORE_ISA's cap before the targets are listed
  } catch (const Error& error) {
    MESSAGE("skipped: ", std::string(error.what()));
    return;
  }
  for (const int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    INFO("target ", std::string(hwy::TargetName(target)));
    body();
  }
  hwy::SetSupportedTargetsForTest(0);
}

}  // namespace encore::test
