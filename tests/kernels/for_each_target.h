// Runs a test body once for every Highway target compiled into the kernels that this CPU supports
// (AVX3, AVX2, SSE4, ... down to SCALAR), so each dispatched code path is checked, not just the
// best.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "hwy/targets.h"

namespace encore::test {

template <class Body>
void for_each_target(Body&& body) {
  for (const int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    INFO("target ", std::string(hwy::TargetName(target)));
    body();
  }
  hwy::SetSupportedTargetsForTest(0);
}

}  // namespace encore::test
