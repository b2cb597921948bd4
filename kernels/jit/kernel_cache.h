// Generated GEMM kernels, emitted once per descriptor and kept for the life of the process.
#pragma once

#include <string>

#include "kernels/jit/gemm_desc.h"

namespace encore::jit {

// Returns the kernel for desc, emitting it on first use. Thread-safe. Throws encore::Error when the
// ISA level in use (cpu_features().level) cannot run it.
GemmKernelFn gemm_kernel(const GemmKernelDesc& desc);

// A readable name ("encore_gemm_int8_6x64_k192_gelu") for profilers and error messages.
std::string gemm_kernel_name(const GemmKernelDesc& desc);

}  // namespace encore::jit
