// Run-time ISA level and cache sizes for the JIT kernels, and the ENCORE_ISA override that lowers
// both the JIT and the Highway kernels. Nothing here is decided at build time: the same binary runs
// the AVX-512 kernels on a Zen 4 and the portable (Highway) path elsewhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace encore::jit {

// Ordered: a higher level can run every kernel of the lower ones.
enum class IsaLevel { portable = 0, avx512 = 1, avx512_vnni = 2 };

std::string_view isa_level_name(IsaLevel level);

// Parses "portable" | "avx512" | "avx512_vnni"; nullopt for anything else. (The levels a packed
// model can be made for; ENCORE_ISA accepts more, see parse_isa_request.)
std::optional<IsaLevel> parse_isa_level(std::string_view name);

// The highest Highway target the kernels in kernels/ may dispatch to. `best` leaves Highway's own
// choice (the CPU's best compiled target); `avx2` and `sse4` disable every better target, so the
// tests run those code paths on an AVX-512 machine too.
enum class HighwayCap { best, avx2, sse4 };

// What an ENCORE_ISA value asks for, from the top: "avx512_vnni", "avx512" (JIT levels, Highway at
// its best), "portable" (no JIT, Highway at its best), "avx2", "sse4" (no JIT, Highway capped).
struct IsaRequest {
  IsaLevel level = IsaLevel::portable;
  HighwayCap highway = HighwayCap::best;
};
std::optional<IsaRequest> parse_isa_request(std::string_view value);

struct CacheSizes {
  size_t l1d = 32 * 1024;
  size_t l2 = 1024 * 1024;
  size_t l3 = 8 * 1024 * 1024;
};

struct CpuFeatures {
  IsaLevel detected = IsaLevel::portable;  // what the CPU supports
  IsaLevel level = IsaLevel::portable;  // what the kernels use (detected, or lowered by ENCORE_ISA)
  HighwayCap highway = HighwayCap::best;  // the Highway kernels' ceiling (ENCORE_ISA=avx2|sse4)
  bool has_bf16 = false;                // AVX512_BF16 (vdpbf16ps), only meaningful at avx512+
  CacheSizes caches;
};

// Highest level the CPU (and OS, via XCR0) supports.
IsaLevel detect_isa_level();

// Applies an ENCORE_ISA value to the detected level and to `highway_supported` (the Highway
// targets this CPU supports, hwy::SupportedTargets()). Empty keeps both; a level above the CPU's,
// a Highway target the CPU lacks, or an unknown name throws encore::Error naming them.
IsaRequest apply_isa_override(IsaLevel detected, int64_t highway_supported,
                              std::string_view override_value);

// The Highway targets (HWY_* bits) a cap disables: every target better than it; 0 for `best`.
int64_t highway_targets_above(HighwayCap cap);

// Cache sizes from /sys/devices/system/cpu/cpu0/cache (xbyak's helpers only know Intel); falls back
// to sysconf, then to the defaults above, when sysfs is hidden (containers, gVisor).
CacheSizes detect_cache_sizes();

// Detected once per process, ENCORE_ISA applied (a Highway cap through hwy::DisableTargets, which
// every later HWY_DYNAMIC_DISPATCH obeys); throws encore::Error on a bad override. Also run before
// main(), so no Highway kernel dispatches above the cap even before anyone asks.
const CpuFeatures& cpu_features();

}  // namespace encore::jit
