#include "kernels/jit/kernel_cache.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "kernels/jit/cpu_features.h"
#include "kernels/jit/gemm_kernel_emitter.h"
#include "support/error.h"

namespace encore::jit {
namespace {

IsaLevel required_level(const GemmKernelDesc& desc) {
  return desc.precision == GemmPrecision::int8_vnni ? IsaLevel::avx512_vnni : IsaLevel::avx512;
}

// The generated code's instructions exist on this CPU at the level in use.
void check_runnable(const GemmKernelDesc& desc) {
  const CpuFeatures& features = cpu_features();
  if (features.level < required_level(desc)) {
    throw_error(gemm_kernel_name(desc), ": needs ISA level '", isa_level_name(required_level(desc)),
                "', running at '", isa_level_name(features.level), "'");
  }
  if (desc.precision == GemmPrecision::bf16 && !features.has_bf16) {
    throw_error(gemm_kernel_name(desc), ": needs AVX512_BF16, which this CPU lacks");
  }
}

// With ENCORE_JIT_PERF_MAP=1, lists each kernel in /tmp/perf-<pid>.map so `perf report` can name
// the generated code instead of showing raw addresses.
void register_for_profilers(const GemmKernelEmitter& code, const std::string& name) {
  const char* enabled = std::getenv("ENCORE_JIT_PERF_MAP");
  if (enabled == nullptr || std::string(enabled) != "1") return;
  const std::string path = "/tmp/perf-" + std::to_string(getpid()) + ".map";
  if (FILE* map = std::fopen(path.c_str(), "a")) {
    std::fprintf(map, "%lx %zx %s\n", reinterpret_cast<unsigned long>(code.getCode()),
                 code.getSize(), name.c_str());
    std::fclose(map);
  }
}

}  // namespace

std::string gemm_kernel_name(const GemmKernelDesc& desc) {
  static constexpr const char* kActivations[] = {"", "_relu", "_gelu"};
  static constexpr const char* kPrecisions[] = {"int8", "f32", "bf16"};
  static constexpr const char* kChunks[] = {"", "_kfirst", "_kmiddle", "_klast"};
  const int lanes = (desc.n_regs - 1) * 16 + desc.last_reg_lanes;
  return std::string("encore_gemm_") + kPrecisions[static_cast<int>(desc.precision)] + "_" +
         std::to_string(desc.m_rows) + "x" + std::to_string(lanes) + "_k" +
         std::to_string(desc.k_steps) + "u" + std::to_string(desc.k_unroll) +
         (desc.prefetch_steps ? "_pf" + std::to_string(desc.prefetch_steps) : "") +
         (desc.lookahead_lines ? "_la" + std::to_string(desc.lookahead_lines) : "") +
         kActivations[static_cast<int>(desc.epilogue.activation)] +
         (desc.epilogue.residual_add ? "_residual" : "") + (desc.epilogue.raw_int32 ? "_raw" : "") +
         kChunks[static_cast<int>(desc.k_chunk)];
}

GemmKernelFn gemm_kernel(const GemmKernelDesc& desc) {
  check_runnable(desc);
  static std::mutex mutex;
  static std::unordered_map<GemmKernelDesc, std::unique_ptr<GemmKernelEmitter>, GemmKernelDescHash>
      kernels;
  const std::lock_guard lock(mutex);
  std::unique_ptr<GemmKernelEmitter>& code = kernels[desc];
  if (!code) {
    try {
      code = std::make_unique<GemmKernelEmitter>(desc);
    } catch (const Xbyak::Error& error) {
      kernels.erase(desc);
      throw_error(gemm_kernel_name(desc), ": code generation failed: ", error.what());
    }
    register_for_profilers(*code, gemm_kernel_name(desc));
  }
  return code->function();
}

}  // namespace encore::jit
