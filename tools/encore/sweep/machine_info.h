// The machine a sweep ran on, for the report: CPU model, the flags that decide encore's kernels,
// cores, clock (from /proc/cpuinfo) and the kernel levels encore dispatches to on it.
#pragma once

#include <string>
#include <vector>

namespace encore::cli::sweep {

struct MachineInfo {
  std::string cpu_model;               // "AMD EPYC 9R14 96-Core Processor"
  std::vector<std::string> isa_flags;  // of avx2, avx512f, avx512_vnni, avx512_bf16, amx_*
  int logical_cpus = 0;                // the CPUs this process may run on
  std::string clock_mhz;               // cpu0's "cpu MHz", as reported
  std::string jit_level;               // encore's JIT kernel level ("avx512_vnni", ...)
  bool jit_bf16 = false;
  std::string highway_target;  // best Highway target for the fp32 fallback kernels
  std::string kernel;          // uname -r
};

MachineInfo read_machine_info();

// The UTC date and time, "2026-11-26 10:46 UTC".
std::string utc_now();

}  // namespace encore::cli::sweep
