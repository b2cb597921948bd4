// Run-time ISA level and cache sizes for the JIT kernels. Nothing here is decided at build time:
// the same binary runs the AVX-512 kernels on a Zen 4 and the portable (Highway) path elsewhere.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace encore::jit {

// Ordered: a higher level can run every kernel of the lower ones.
enum class IsaLevel { portable = 0, avx512 = 1, avx512_vnni = 2 };

std::string_view isa_level_name(IsaLevel level);

// Parses "portable" | "avx512" | "avx512_vnni"; nullopt for anything else.
std::optional<IsaLevel> parse_isa_level(std::string_view name);

struct CacheSizes {
  size_t l1d = 32 * 1024;
  size_t l2 = 1024 * 1024;
  size_t l3 = 8 * 1024 * 1024;
};

struct CpuFeatures {
  IsaLevel detected = IsaLevel::portable;  // what the CPU supports
  IsaLevel level = IsaLevel::portable;  // what the kernels use (detected, or lowered by ENCORE_ISA)
  bool has_bf16 = false;                // AVX512_BF16 (vdpbf16ps), only meaningful at avx512+
  CacheSizes caches;
};

// Highest level the CPU (and OS, via XCR0) supports.
IsaLevel detect_isa_level();

// Applies an ENCORE_ISA value to the detected level. Empty keeps the detected level; a level above
// the CPU's or an unknown name throws encore::Error naming both.
IsaLevel apply_isa_override(IsaLevel detected, std::string_view override_value);

// Cache sizes from /sys/devices/system/cpu/cpu0/cache (xbyak's helpers only know Intel); falls back
// to sysconf, then to the defaults above, when sysfs is hidden (containers, gVisor).
CacheSizes detect_cache_sizes();

// Detected once per process, ENCORE_ISA applied; throws encore::Error on a bad override.
const CpuFeatures& cpu_features();

}  // namespace encore::jit
