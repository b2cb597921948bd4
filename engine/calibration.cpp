#include "engine/calibration.h"

#include <algorithm>
#include <optional>
#include <thread>
#include <unordered_map>

#include "engine/dense_products.h"
#include "engine/encoder.h"
#include "support/error.h"

namespace encore::engine {
namespace {

// Rows gathered before they are added to H: enough that each pass over H does real work.
constexpr size_t kRowsPerFlush = 256;
// Rows of H summed per accumulate_products call (only blocks on or above the diagonal).
constexpr size_t kHessianBlock = 64;

class HessianAccumulator {
 public:
  explicit HessianAccumulator(size_t k) : pending_(kRowsPerFlush * k) {
    hessian_.k = k;
    hessian_.sum.assign(k * k, 0.0);
  }

  void add(const float* x, int64_t stride, int64_t rows) {
    const size_t k = hessian_.k;
    for (int64_t row = 0; row < rows; ++row) {
      std::copy(x + row * stride, x + row * stride + k, pending_.begin() + pending_rows_ * k);
      if (++pending_rows_ == kRowsPerFlush) flush();
    }
    hessian_.rows += rows;
  }

  LinearHessian finish() {
    flush();
    const size_t k = hessian_.k;
    for (size_t i = 0; i < k; ++i)
      for (size_t j = i + 1; j < k; ++j) hessian_.sum[j * k + i] = hessian_.sum[i * k + j];
    return std::move(hessian_);
  }

 private:
  // H[i][j] += Σ_rows x_i·x_j for j ≥ i (float per flush, double across flushes). The row blocks
  // of H alternate between this thread and a helper (the Encoder's workers wait meanwhile).
  void flush() {
    if (pending_rows_ == 0) return;
    std::thread helper([this] { flush_blocks(1, helper_block_); });
    flush_blocks(0, block_);
    helper.join();
    pending_rows_ = 0;
  }

  void flush_blocks(size_t parity, std::vector<float>& block) {
    const size_t k = hessian_.k;
    for (size_t i0 = parity * kHessianBlock; i0 < k; i0 += 2 * kHessianBlock) {
      const size_t rows = std::min(kHessianBlock, k - i0), cols = k - i0;
      block.assign(rows * cols, 0.0f);
      const float* x = pending_.data() + i0;
      accumulate_products(block.data(), cols, x, {1, k}, x, k, rows, cols, pending_rows_,
                          /*subtract=*/false);
      for (size_t r = 0; r < rows; ++r) {
        double* sum = hessian_.sum.data() + (i0 + r) * k + i0;
        const float* partial = block.data() + r * cols;
        for (size_t j = r; j < cols; ++j) sum[j] += partial[j];
      }
    }
  }

  LinearHessian hessian_;
  std::vector<float> pending_;  // [kRowsPerFlush, k]
  size_t pending_rows_ = 0;
  std::vector<float> block_, helper_block_;
};

}  // namespace

Int8Calibration calibrate_int8(std::shared_ptr<const loader::DistilBertWeights> weights,
                               std::span<const std::vector<int32_t>> sequences,
                               const CalibrationOptions& options) {
  if (sequences.empty()) throw_error("calibration: no sequences");
  auto packed =
      std::make_shared<const PackedModel>(pack_model(std::move(weights), Precision::kFp32));
  Encoder encoder(packed, {.threads = options.threads});

  // Which accumulator each of the fp32 model's Linears feeds (the heads feed none).
  std::vector<std::array<std::optional<HessianAccumulator>, kLayerLinears>> accumulators(
      packed->layers.size());
  std::unordered_map<const PackedLinear*, HessianAccumulator*> by_linear;
  for (size_t i = 0; i < packed->layers.size(); ++i) {
    const PackedLayer& layer = packed->layers[i];
    const PackedLinear* linears[kLayerLinears] = {&layer.qkv, &layer.out, &layer.ffn_in,
                                                  &layer.ffn_out};
    for (size_t kind = 0; kind < kLayerLinears; ++kind) {
      if (!options.linears[kind]) continue;
      accumulators[i][kind].emplace(static_cast<size_t>(linears[kind]->in_features()));
      by_linear[linears[kind]] = &*accumulators[i][kind];
    }
  }
  encoder.set_linear_input_tap(
      [&](const PackedLinear& linear, const float* x, int64_t x_stride, int64_t rows) {
        const auto found = by_linear.find(&linear);
        if (found != by_linear.end()) found->second->add(x, x_stride, rows);
      });
  for (size_t s = 0; s < sequences.size(); ++s) {
    const std::vector<int32_t>& ids = sequences[s];
    if (ids.empty()) throw_error("calibration: sequence ", s, " is empty");
    encoder.forward(
        {.batch = 1, .seq = static_cast<int64_t>(ids.size()), .ids = ids, .attention_mask = {}});
    if (options.progress) options.progress(s + 1, sequences.size());
  }

  Int8Calibration calibration;
  calibration.layers.resize(accumulators.size());
  for (size_t i = 0; i < accumulators.size(); ++i)
    for (size_t kind = 0; kind < kLayerLinears; ++kind)
      if (accumulators[i][kind]) calibration.layers[i][kind] = accumulators[i][kind]->finish();
  return calibration;
}

}  // namespace encore::engine
