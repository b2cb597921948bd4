#include "tools/encore/sweep/machine_info.h"

#include <sys/utsname.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <sstream>

#include "engine/cpu_affinity.h"
#include "kernels/highway_target.h"
#include "kernels/jit/cpu_features.h"

namespace encore::cli::sweep {
namespace {

std::string value_of(const std::string& line) {
  const size_t colon = line.find(':');
  if (colon == std::string::npos) return "";
  const size_t start = line.find_first_not_of(" \t", colon + 1);
  return start == std::string::npos ? "" : line.substr(start);
}

}  // namespace

MachineInfo read_machine_info() {
  MachineInfo info;
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string flags;
  for (std::string line; std::getline(cpuinfo, line);) {
    if (info.cpu_model.empty() && line.rfind("model name", 0) == 0) info.cpu_model = value_of(line);
    if (info.clock_mhz.empty() && line.rfind("cpu MHz", 0) == 0) info.clock_mhz = value_of(line);
    if (flags.empty() && line.rfind("flags", 0) == 0)
      flags.append(" ").append(value_of(line)).append(" ");
  }
  for (const char* flag : {"avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
                           "avx512_bf16", "avx_vnni", "amx_int8", "amx_bf16"}) {
    if (flags.find(std::string(" ") + flag + " ") != std::string::npos) {
      info.isa_flags.emplace_back(flag);
    }
  }
  info.logical_cpus = static_cast<int>(engine::allowed_cpus().size());
  const jit::CpuFeatures& features = jit::cpu_features();
  info.jit_level = std::string(jit::isa_level_name(features.level));
  info.jit_bf16 = features.has_bf16;
  info.highway_target = std::string(kernels::highway_target());
  utsname name{};
  if (::uname(&name) == 0) info.kernel = std::string(name.sysname) + " " + name.release;
  return info;
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M UTC", &utc);
  return text;
}

}  // namespace encore::cli::sweep
