#include "engine/linear.h"

#include <algorithm>
#include <type_traits>
#include <variant>
#include <vector>

#include "engine/parallel_gemm.h"
#include "engine/split_int8.h"
#include "kernels/gemm_packed_b.h"
#include "support/error.h"

namespace encore::engine {
namespace {

constexpr std::string_view kKernelNames[] = {"", "highway_f32", "jit_f32", "jit_bf16", "jit_int8"};

// Below this many activation elements one thread quantizes (or converts) alone: a job costs more.
constexpr int64_t kParallelConversionElements = 32 * 1024;

jit::Epilogue jit_epilogue(LinearActivation activation, bool residual) {
  jit::Epilogue epilogue;
  epilogue.activation = activation == LinearActivation::kGelu   ? jit::Activation::gelu_erf
                        : activation == LinearActivation::kRelu ? jit::Activation::relu
                                                                : jit::Activation::none;
  epilogue.residual_add = residual;
  return epilogue;
}

kernels::Epilogue highway_epilogue(const LinearCall& call) {
  if (call.residual) {
    if (call.activation != LinearActivation::kNone)
      throw_error("Linear: the Highway GEMM fuses an activation or a residual, not both");
    return kernels::Epilogue::kResidual;
  }
  return call.activation == LinearActivation::kGelu   ? kernels::Epilogue::kGelu
         : call.activation == LinearActivation::kRelu ? kernels::Epilogue::kRelu
                                                      : kernels::Epilogue::kNone;
}

jit::GemmOutput jit_output(const LinearCall& call) {
  return {call.y, static_cast<size_t>(call.y_stride), call.residual,
          static_cast<size_t>(call.residual_stride)};
}

// Runs fn(first_row, end_row) over the pool in row chunks, or on the caller when small.
template <class Fn>
void for_row_chunks(ThreadPool& pool, int64_t rows, int64_t columns, Fn&& fn) {
  if (pool.size() == 1 || rows * columns < kParallelConversionElements) return fn(0, rows);
  const int64_t chunks = std::min<int64_t>(rows, pool.size() * 2);
  pool.parallel_for(
      chunks, [&](int64_t chunk, int) { fn(rows * chunk / chunks, rows * (chunk + 1) / chunks); });
}

// One task per thread, each on its own contiguous slice of weight panels: every core streams
// only its share of W, and A (small next to W here) is shared read-only.
// run_slice(range, part): part is the slice's index, as for the next Linear's slices.
template <class RunSlice>
void for_panel_slices(ThreadPool& pool, size_t panel_count, RunSlice&& run_slice) {
  const size_t parts = std::min<size_t>(panel_count, static_cast<size_t>(pool.size()));
  if (parts <= 1) return run_slice(jit::PanelRange{}, size_t{0});
  pool.parallel_for(static_cast<int64_t>(parts), [&](int64_t part, int) {
    run_slice(jit::split_panels(panel_count, static_cast<size_t>(part), parts),
              static_cast<size_t>(part));
  });
}

// The start of slice `part` of `next`'s weights as for_panel_slices will hand it to this thread,
// at most a quarter of L2 (the GEMM's block): what an int8 GEMM prefetches after its last block.
jit::NextWeights next_weights(const PackedLinear* next, size_t part, int pool_size) {
  if (!next) return {};
  return std::visit(
      [&](const auto& w) -> jit::NextWeights {
        using Weights = std::decay_t<decltype(w)>;
        if constexpr (std::is_same_v<Weights, std::monostate> ||
                      std::is_same_v<Weights, HighwayF32Weights>) {
          return {};
        } else {
          const size_t panels = w.panel_count();
          const size_t parts = std::min<size_t>(panels, static_cast<size_t>(pool_size));
          if (part >= parts) return {};
          const jit::PanelRange slice = jit::split_panels(panels, part, parts);
          return {w.panel(slice.first),
                  std::min(slice.count * w.panel_bytes(), jit::cpu_features().caches.l2 / 4)};
        }
      },
      next->weights);
}

}  // namespace

const float* smoothing_scale(const PackedLinear& linear) {
  return linear.input_scale.size() ? reinterpret_cast<const float*>(linear.input_scale.data())
                                   : nullptr;
}

std::string_view linear_kernel_name(LinearKernel kernel) {
  return kKernelNames[static_cast<size_t>(kernel)];
}

std::optional<LinearKernel> parse_linear_kernel(std::string_view name) {
  for (size_t i = 1; i < std::size(kKernelNames); ++i)
    if (kKernelNames[i] == name) return static_cast<LinearKernel>(i);
  return std::nullopt;
}

LinearKernel linear_kernel(const PackedLinear& linear) {
  if (linear.empty()) throw_error("Linear: not packed");
  return static_cast<LinearKernel>(linear.weights.index());
}

LinearKernel kernel_for(Precision precision, jit::IsaLevel level, bool has_bf16) {
  if (level == jit::IsaLevel::portable) return LinearKernel::kHighwayF32;
  if (precision == Precision::kInt8 && level >= jit::IsaLevel::avx512_vnni)
    return LinearKernel::kJitInt8;
  if (precision == Precision::kBf16 && has_bf16) return LinearKernel::kJitBf16;
  return LinearKernel::kJitF32;
}

bool can_run(LinearKernel kernel) {
  const jit::CpuFeatures& cpu = jit::cpu_features();
  switch (kernel) {
    case LinearKernel::kHighwayF32:
      return true;
    case LinearKernel::kJitF32:
      return cpu.level >= jit::IsaLevel::avx512;
    case LinearKernel::kJitBf16:
      return cpu.level >= jit::IsaLevel::avx512 && cpu.has_bf16;
    case LinearKernel::kJitInt8:
      return cpu.level >= jit::IsaLevel::avx512_vnni;
  }
  return false;
}

PackedLinear pack_linear(LinearKernel kernel, const float* weight, const float* bias, int64_t n,
                         int64_t k, std::span<const float> smoothing) {
  const size_t un = static_cast<size_t>(n), uk = static_cast<size_t>(k);
  PackedLinear linear;
  switch (kernel) {
    case LinearKernel::kHighwayF32: {
      HighwayF32Weights packed{n, k, jit::AlignedBuffer(kernels::packed_b_floats(n, k) * 4),
                               jit::AlignedBuffer(un * 4)};
      kernels::pack_b_nk(weight, n, k, k, reinterpret_cast<float*>(packed.panels.data()));
      if (bias) std::copy(bias, bias + n, reinterpret_cast<float*>(packed.bias.data()));
      linear.weights = std::move(packed);
      break;
    }
    case LinearKernel::kJitF32:
      linear.weights = jit::pack_f32_weights(weight, bias, un, uk);
      break;
    case LinearKernel::kJitBf16:
      linear.weights = jit::pack_bf16_weights(weight, bias, un, uk);
      break;
    case LinearKernel::kJitInt8: {
      if (smoothing.empty()) {
        linear.weights = jit::pack_int8_weights(weight, bias, un, uk);
        break;
      }
      if (smoothing.size() != uk)
        throw_error("pack_linear: ", smoothing.size(), " smoothing factors for ", k, " inputs");
      std::vector<float> smoothed(weight, weight + un * uk);
      for (size_t row = 0; row < un; ++row)
        for (size_t i = 0; i < uk; ++i) smoothed[row * uk + i] *= smoothing[i];
      linear.weights = jit::pack_int8_weights(smoothed.data(), bias, un, uk);
      linear.input_scale = jit::AlignedBuffer(uk * 4);
      float* inverse = reinterpret_cast<float*>(linear.input_scale.data());
      for (size_t i = 0; i < uk; ++i) inverse[i] = 1.0f / smoothing[i];
      break;
    }
  }
  return linear;
}

template <class Gemm, bool kRawInt32>
const Gemm& LinearRunner::PlanCache<Gemm, kRawInt32>::get(const PlanKey& key) {
  for (const auto& slot : slots)
    if (slot && slot->first == key) return slot->second;
  const auto& [m, n, k, activation, residual] = key;
  auto& slot = slots[next];
  next = (next + 1) % kSlots;
  jit::Epilogue epilogue = jit_epilogue(activation, residual);
  epilogue.raw_int32 = kRawInt32;
  slot.emplace(std::piecewise_construct, std::forward_as_tuple(key),
               std::forward_as_tuple(static_cast<size_t>(m), static_cast<size_t>(n),
                                     static_cast<size_t>(k), epilogue));
  return slot->second;
}

void LinearRunner::prepare(const PackedLinear& linear, LinearActivation activation, bool residual) {
  const int64_t n = linear.out_features(), k = linear.in_features();
  const jit::Epilogue epilogue = jit_epilogue(activation, residual);
  const LinearKernel kernel = linear_kernel(linear);
  if (kernel == LinearKernel::kHighwayF32) return;  // nothing is generated for Highway
  for (size_t rows = 1; rows <= jit::kMaxRows; ++rows) {
    switch (kernel) {
      case LinearKernel::kHighwayF32:
        break;
      case LinearKernel::kJitF32:
        jit::F32Gemm(rows, static_cast<size_t>(n), static_cast<size_t>(k), epilogue);
        break;
      case LinearKernel::kJitBf16:
        jit::Bf16Gemm(rows, static_cast<size_t>(n), static_cast<size_t>(k), epilogue);
        break;
      case LinearKernel::kJitInt8: {
        jit::Epilogue raw;
        raw.raw_int32 = true;
        jit::Int8Gemm(rows, static_cast<size_t>(n), static_cast<size_t>(k),
                      linear.split_rows ? raw : epilogue);
        break;
      }
    }
  }
}

void LinearRunner::run(ThreadPool& pool, const PackedLinear& linear, const LinearCall& call) {
  if (call.rows == 0) return;
  const int64_t n = linear.out_features(), k = linear.in_features();
  const PlanKey key{call.rows, n, k, call.activation, call.residual != nullptr};
  const size_t rows = static_cast<size_t>(call.rows);
  const size_t x_stride = static_cast<size_t>(call.x_stride);
  switch (linear_kernel(linear)) {
    case LinearKernel::kHighwayF32: {
      const auto& w = std::get<HighwayF32Weights>(linear.weights);
      kernels::GemmArgs args;
      args.a = call.x;
      args.lda = call.x_stride;
      args.packed_b = reinterpret_cast<const float*>(w.panels.data());
      args.bias = reinterpret_cast<const float*>(w.bias.data());
      args.c = call.y;
      args.ldc = call.y_stride;
      args.m = call.rows;
      args.n = n;
      args.k = k;
      args.epilogue = highway_epilogue(call);
      args.residual = call.residual;
      args.ldr = call.residual_stride;
      return parallel_gemm(pool, args);
    }
    case LinearKernel::kJitF32: {
      const auto& w = std::get<jit::PackedF32Weights>(linear.weights);
      const jit::F32Gemm& gemm = f32_plans_.get(key);
      return for_panel_slices(pool, w.panel_count(), [&](jit::PanelRange range, size_t) {
        gemm.run(call.x, x_stride, w, jit_output(call), range);
      });
    }
    case LinearKernel::kJitBf16: {
      const auto& w = std::get<jit::PackedBf16Weights>(linear.weights);
      const jit::Bf16Gemm& gemm = bf16_plans_.get(key);
      jit::shape_bf16_rows(rows, static_cast<size_t>(k), bf16_rows_);
      for_row_chunks(pool, call.rows, k, [&](int64_t first, int64_t end) {
        jit::convert_row_range_to_bf16(call.x, x_stride, static_cast<size_t>(first),
                                       static_cast<size_t>(end), bf16_rows_);
      });
      return for_panel_slices(pool, w.panel_count(), [&](jit::PanelRange range, size_t part) {
        gemm.run(bf16_rows_, w, jit_output(call), range,
                 next_weights(call.next, part, pool.size()));
      });
    }
    case LinearKernel::kJitInt8: {
      if (linear.split_rows) return run_split_int8(pool, linear, call);
      const auto& w = std::get<jit::PackedInt8Weights>(linear.weights);
      const jit::Int8Gemm& gemm = int8_plans_.get(key);
      if (!call.prequantized) {
        jit::shape_quantized_rows(rows, static_cast<size_t>(k), quantized_);
        for_row_chunks(pool, call.rows, k, [&](int64_t first, int64_t end) {
          jit::quantize_row_range(call.x, x_stride, static_cast<size_t>(first),
                                  static_cast<size_t>(end), smoothing_scale(linear), quantized_);
        });
      } else if (quantized_.m != rows || quantized_.k != static_cast<size_t>(k)) {
        throw_error("Linear: prequantized rows are [", quantized_.m, ", ", quantized_.k,
                    "], the call needs [", rows, ", ", k, "]");
      }
      return for_panel_slices(pool, w.panel_count(), [&](jit::PanelRange range, size_t part) {
        gemm.run(quantized_, w, jit_output(call), range,
                 next_weights(call.next, part, pool.size()));
      });
    }
  }
}

jit::QuantizedRows* LinearRunner::rows_to_prequantize(const PackedLinear& linear, int64_t rows) {
  if (linear.empty() || linear_kernel(linear) != LinearKernel::kJitInt8 || linear.split_rows)
    return nullptr;
  jit::shape_quantized_rows(static_cast<size_t>(rows), static_cast<size_t>(linear.in_features()),
                            quantized_);
  return &quantized_;
}

void LinearRunner::run_split_int8(ThreadPool& pool, const PackedLinear& linear,
                                  const LinearCall& call) {
  const auto& w = std::get<jit::PackedInt8Weights>(linear.weights);
  const int64_t n = linear.out_features(), k = linear.in_features();
  const jit::Int8Gemm& gemm =
      split_plans_.get({2 * call.rows, n, k, LinearActivation::kNone, false});
  jit::shape_split_quantized_rows(static_cast<size_t>(call.rows), static_cast<size_t>(k),
                                  quantized_);
  for_row_chunks(pool, call.rows, k, [&](int64_t first, int64_t end) {
    jit::quantize_split_row_range(call.x, static_cast<size_t>(call.x_stride),
                                  static_cast<size_t>(first), static_cast<size_t>(end),
                                  smoothing_scale(linear), quantized_);
  });
  const size_t sums = static_cast<size_t>(2 * call.rows * n);
  if (split_sums_.size() < sums) split_sums_.resize(sums);
  const jit::Activation activation = jit_epilogue(call.activation, false).activation;
  for_panel_slices(pool, w.panel_count(), [&](jit::PanelRange range, size_t) {
    gemm.run_raw(quantized_, w, split_sums_.data(), static_cast<size_t>(n), range);
    combine_split_int8(split_sums_.data(), static_cast<size_t>(n), quantized_, w, range,
                       activation, jit_output(call));
  });
}

}  // namespace encore::engine
