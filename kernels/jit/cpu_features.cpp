#include "kernels/jit/cpu_features.h"

#include <unistd.h>

#include <xbyak/xbyak_util.h>
#include <cstdlib>
#include <fstream>

#include "hwy/targets.h"
#include "support/error.h"

namespace encore::jit {

std::string_view isa_level_name(IsaLevel level) {
  switch (level) {
    case IsaLevel::avx512_vnni:
      return "avx512_vnni";
    case IsaLevel::avx512:
      return "avx512";
    case IsaLevel::portable:
      return "portable";
  }
  return "unknown";
}

std::optional<IsaLevel> parse_isa_level(std::string_view name) {
  for (IsaLevel level : {IsaLevel::portable, IsaLevel::avx512, IsaLevel::avx512_vnni}) {
    if (name == isa_level_name(level)) return level;
  }
  return std::nullopt;
}

IsaLevel detect_isa_level() {
  using Cpu = Xbyak::util::Cpu;
  const Cpu cpu;  // Cpu::has() also checks that the OS saves the zmm and opmask state (XCR0)
  // The kernels need F for zmm, BW for byte/word masks, VL for narrower EVEX forms.
  if (!cpu.has(Cpu::tAVX512F | Cpu::tAVX512BW | Cpu::tAVX512VL)) return IsaLevel::portable;
  return cpu.has(Cpu::tAVX512_VNNI) ? IsaLevel::avx512_vnni : IsaLevel::avx512;
}

std::optional<IsaRequest> parse_isa_request(std::string_view value) {
  if (value == "avx2") return IsaRequest{IsaLevel::portable, HighwayCap::avx2};
  if (value == "sse4") return IsaRequest{IsaLevel::portable, HighwayCap::sse4};
  if (const std::optional<IsaLevel> level = parse_isa_level(value)) {
    return IsaRequest{*level, HighwayCap::best};
  }
  return std::nullopt;
}

namespace {

int64_t highway_target_of(HighwayCap cap) {
  switch (cap) {
    case HighwayCap::avx2:
      return HWY_AVX2;
    case HighwayCap::sse4:
      return HWY_SSE4;
    case HighwayCap::best:
      break;
  }
  return 0;
}

// Highway's name of the best target in a mask of HWY_* bits (lower bit = better).
const char* best_highway_target(int64_t targets) {
  return targets == 0 ? "none" : hwy::TargetName(targets & -targets);
}

}  // namespace

int64_t highway_targets_above(HighwayCap cap) {
  const int64_t target = highway_target_of(cap);
  return target == 0 ? 0 : target - 1;  // HWY_* bits below a target's bit are the better ones
}

IsaRequest apply_isa_override(IsaLevel detected, int64_t highway_supported,
                              std::string_view override_value) {
  if (override_value.empty()) return IsaRequest{detected, HighwayCap::best};
  const std::optional<IsaRequest> requested = parse_isa_request(override_value);
  if (!requested) {
    throw_error("ENCORE_ISA='", override_value,
                "': unknown level (expected avx512_vnni, avx512, portable, avx2 or sse4)");
  }
  if (requested->level > detected) {
    throw_error("ENCORE_ISA='", override_value, "': this CPU supports only '",
                isa_level_name(detected), "'");
  }
  const int64_t target = highway_target_of(requested->highway);
  if (target != 0 && (highway_supported & target) == 0) {
    throw_error("ENCORE_ISA='", override_value, "': this CPU lacks Highway's ",
                hwy::TargetName(target), " target (its best is ",
                best_highway_target(highway_supported & HWY_TARGETS), ")");
  }
  return *requested;
}

namespace {

// Parses sysfs sizes such as "48K", "1024K", "32768K" or "8M"; 0 when unreadable.
size_t read_sysfs_size(const std::string& path) {
  std::ifstream in(path);
  size_t value = 0;
  char unit = 0;
  if (!(in >> value)) return 0;
  if (in >> unit) {
    if (unit == 'K') value *= 1024;
    if (unit == 'M') value *= 1024 * 1024;
  }
  return value;
}

std::string read_sysfs_word(const std::string& path) {
  std::ifstream in(path);
  std::string word;
  in >> word;
  return word;
}

size_t sysconf_size(int name) {
  const long value = sysconf(name);
  return value > 0 ? static_cast<size_t>(value) : 0;
}

}  // namespace

CacheSizes detect_cache_sizes() {
  CacheSizes sizes;
  CacheSizes found{0, 0, 0};
  for (int index = 0; index < 8; ++index) {
    const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index);
    const std::string level = read_sysfs_word(dir + "/level");
    const std::string type = read_sysfs_word(dir + "/type");
    const size_t size = read_sysfs_size(dir + "/size");
    if (level.empty() || size == 0) continue;
    if (level == "1" && type == "Data") found.l1d = size;
    if (level == "2") found.l2 = size;
    if (level == "3") found.l3 = size;
  }
  if (found.l1d == 0) found.l1d = sysconf_size(_SC_LEVEL1_DCACHE_SIZE);
  if (found.l2 == 0) found.l2 = sysconf_size(_SC_LEVEL2_CACHE_SIZE);
  if (found.l3 == 0) found.l3 = sysconf_size(_SC_LEVEL3_CACHE_SIZE);
  if (found.l1d != 0) sizes.l1d = found.l1d;
  if (found.l2 != 0) sizes.l2 = found.l2;
  if (found.l3 != 0) sizes.l3 = found.l3;
  return sizes;
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = [] {
    CpuFeatures f;
    f.detected = detect_isa_level();
    const char* env = std::getenv("ENCORE_ISA");
    const IsaRequest request =
        apply_isa_override(f.detected, hwy::SupportedTargets(), env ? env : "");
    f.level = request.level;
    f.highway = request.highway;
    // Sticky: hwy::SetSupportedTargetsForTest (tests/kernels' for_each_target) cannot lift it.
    if (f.highway != HighwayCap::best) hwy::DisableTargets(highway_targets_above(f.highway));
    const Xbyak::util::Cpu cpu;
    f.has_bf16 = f.level >= IsaLevel::avx512 && cpu.has(Xbyak::util::Cpu::tAVX512_BF16);
    f.caches = detect_cache_sizes();
    return f;
  }();
  return features;
}

namespace {

// Applies ENCORE_ISA before main(), so a Highway kernel that runs before anyone calls
// cpu_features() is capped too. A bad value is left for the first call to report: a static
// initializer that throws would abort the process without a message.
[[maybe_unused]] const bool kIsaAppliedAtStartup = [] {
  try {
    cpu_features();
  } catch (const Error&) {
  }
  return true;
}();

}  // namespace

}  // namespace encore::jit
