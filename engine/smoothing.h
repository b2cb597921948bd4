// SmoothQuant-style smoothing factors for an int8 Linear whose input is a LayerNorm's output.
//
// DistilBERT checkpoints have a few LayerNorm output channels 10–100× larger than the rest. Per-row
// activation quantization gives the whole row one scale, so those channels crush every other
// channel's resolution. Dividing input channel j by s_j and multiplying W's column j by s_j leaves
// x·Wᵀ unchanged and moves the outliers' range into the weights, which are quantized per output
// channel. With α = 0.5 the range is split evenly: s_j = sqrt(range_x[j] / max_n |W[n, j]|).
//
// The activation range is estimated from the LayerNorm's parameters, without data: its output is
// gamma_j · z + beta_j with z normalized, so channel j spans about kNormalizedRange·|gamma_j| +
// |beta_j|. This catches outliers made by gamma (as `distilbert_ref.py --outliers` makes them);
// outliers coming from z itself would need calibration on texts.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace encore::engine {

// Estimated |value| range of each LayerNorm output channel.
std::vector<float> layer_norm_output_range(std::span<const float> gamma,
                                           std::span<const float> beta);

// s_j for W [n, k] (row-major) given each input channel's range (k values).
std::vector<float> smoothing_factors(std::span<const float> input_range, const float* weight,
                                     int64_t n, int64_t k);

}  // namespace encore::engine
