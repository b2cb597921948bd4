// GPTQ (Frantar et al. 2022, "GPTQ: Accurate Post-Training Quantization for Generative
// Pre-trained Transformers") for the int8 Linear weights: instead of rounding every weight to
// its nearest code, the columns (input channels) are rounded one after another and each
// rounding error is pushed onto the columns not yet rounded, weighted by how the calibration
// inputs correlate (H = Σ x·xᵀ over calibration rows, engine/calibration.h), so that the layer's
// output x·Ŵᵀ rather than each weight stays close. Minimizes ‖(W − Ŵ)·X‖² greedily.
//
// Codes and scales are those of kernels/jit/packed_weights.h (symmetric s8 in [-127, 127] per
// output channel, scale = range / 127 with the range fixed before the walk, max|w| unless
// clipped); pack the result with jit::pack_quantized_int8_weights. With H diagonal no error is
// pushed anywhere and the codes are exactly round-to-nearest (pack_int8_weights).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace encore::engine {

struct GptqOptions {
  // λ = damping · mean(diag H) is added to H's diagonal (the reference's percdamp).
  double damping = 0.01;
  // Columns rounded between two updates of the columns after them (the reference's blocksize).
  size_t block = 128;
  // Round the inputs with the largest H[i][i] first (the reference's act_order), so the error of
  // the inputs that matter most is compensated by the most columns.
  bool act_order = false;
};

// Per output channel max|w|: the range pack_int8_weights maps to ±127.
std::vector<float> channel_max_abs(const float* weight, size_t n, size_t k);

struct Int8Codes {
  std::vector<int8_t> codes;  // [n, k]
  std::vector<float> scales;  // n: range / 127
};

// weight: fp32 [n, k] row-major; hessian: [k, k] row-major, symmetric, Σ x·xᵀ of the inputs
// (its scale does not matter); ranges: per output channel, the |w| mapped to ±127.
// Inputs that never fired (H[i][i] = 0) are rounded to nearest and push no error. Throws
// encore::Error on sizes that do not match, non-finite values, or an H not positive definite
// after damping.
Int8Codes gptq_quantize(const float* weight, size_t n, size_t k, std::span<const double> hessian,
                        std::span<const float> ranges, const GptqOptions& options = {});

}  // namespace encore::engine
