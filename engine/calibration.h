// Calibration for int8 weights (engine/gptq.h): runs the fp32 model over calibration sequences
// and accumulates, for each int8 Linear of every layer, H = Σ x·xᵀ over the rows x its input
// took (Encoder::set_linear_input_tap). pack_model(…, calibration) quantizes each Linear's
// weights with its H.
//
// One sequence per forward pass, so padding never enters H. Rows are gathered and added in
// blocks of 256 by accumulate_products on two threads (float sums per block, a double total).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "loader/distilbert_weights.h"

namespace encore::engine {

// The Linear layers of a transformer layer that int8 can run (PackedLayer's fields).
enum class LayerLinear : uint8_t { kQkv, kOut, kFfnIn, kFfnOut };
constexpr size_t kLayerLinears = 4;

struct LinearHessian {
  size_t k = 0;             // in_features
  std::vector<double> sum;  // [k, k] symmetric: Σ x·xᵀ; empty when not calibrated
  int64_t rows = 0;         // rows accumulated
};

struct Int8Calibration {
  // layers[i][kind]: empty `sum` for a Linear that was not asked for.
  std::vector<std::array<LinearHessian, kLayerLinears>> layers;
  const LinearHessian& at(size_t layer, LayerLinear kind) const {
    return layers.at(layer)[static_cast<size_t>(kind)];
  }
};

struct CalibrationOptions {
  std::array<bool, kLayerLinears> linears{true, true, true, true};  // which H to accumulate
  int threads = 0;  // the fp32 Encoder's threads, 0 = every core
  // Called after each sequence with (done, total).
  std::function<void(size_t, size_t)> progress;
};

// `sequences`: token ids with [CLS]/[SEP], each within the model's max_position_embeddings.
// Throws encore::Error for no sequences or ids the Encoder rejects.
Int8Calibration calibrate_int8(std::shared_ptr<const loader::DistilBertWeights> weights,
                               std::span<const std::vector<int32_t>> sequences,
                               const CalibrationOptions& options);

}  // namespace encore::engine
