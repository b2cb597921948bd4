#include "kernels/jit/cpu_features.h"

#include <unistd.h>

#include <xbyak/xbyak_util.h>
#include <cstdlib>
#include <fstream>

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

IsaLevel apply_isa_override(IsaLevel detected, std::string_view override_value) {
  if (override_value.empty()) return detected;
  const std::optional<IsaLevel> requested = parse_isa_level(override_value);
  if (!requested) {
    throw_error("ENCORE_ISA='", override_value,
                "': unknown level (expected avx512_vnni, avx512 or portable)");
  }
  if (*requested > detected) {
    throw_error("ENCORE_ISA='", override_value, "': this CPU supports only '",
                isa_level_name(detected), "'");
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
    f.level = apply_isa_override(f.detected, env ? env : "");
    const Xbyak::util::Cpu cpu;
    f.has_bf16 = f.level >= IsaLevel::avx512 && cpu.has(Xbyak::util::Cpu::tAVX512_BF16);
    f.caches = detect_cache_sizes();
    return f;
  }();
  return features;
}

}  // namespace encore::jit
