// highway_target: a function compiled for every target, like the kernels, that returns its own
// target's name; dispatching to it answers which target the kernels' dispatch picks.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/highway_target.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include "hwy/highway.h"
#include "kernels/highway_target.h"

HWY_BEFORE_NAMESPACE();
namespace encore::kernels {
namespace HWY_NAMESPACE {

const char* ThisTargetName() {
  return hwy::TargetName(HWY_TARGET);
}

}  // namespace HWY_NAMESPACE
}  // namespace encore::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace encore::kernels {

HWY_EXPORT(ThisTargetName);

std::string_view highway_target() {
  return HWY_DYNAMIC_DISPATCH(ThisTargetName)();
}

}  // namespace encore::kernels
#endif
