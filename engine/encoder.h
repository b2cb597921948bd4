// Encoder — the DistilBERT forward pass for a padded batch of token ids. One Encoder owns its
// threads and scratch memory and serves one caller at a time; several Encoders share one immutable
// PackedModel (the weights packed once, for one precision).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "engine/packed_model.h"
#include "loader/distilbert_weights.h"

namespace encore::engine {

struct EncoderOptions {
  int threads = 0;          // 0 = every core the process may run on
  bool pin_threads = true;  // pin worker i to the i-th allowed core
  // Arena sized for this many batch*seq tokens; 0 = 512. A larger batch grows it (once per new
  // maximum), so steady traffic never allocates.
  int64_t max_batch_tokens = 0;
};

// A padded batch: ids and mask are row-major [batch, seq]; mask is 1 for real tokens, 0 for
// padding. An empty attention_mask means every token is real (an unpadded batch).
struct Batch {
  int64_t batch = 0;
  int64_t seq = 0;
  std::span<const int32_t> ids;
  std::span<const int32_t> attention_mask;
};

// Views into the Encoder's arena, valid until the next forward() call.
struct EncoderOutput {
  std::span<const float> last_hidden_state;  // [batch, seq, dim]
  // Sequence classification: [batch, num_labels] (from the [CLS] state through
  // pre_classifier → ReLU → classifier). Token classification: [batch, seq, num_labels].
  // Base model: empty.
  std::span<const float> logits;
};

// Sees the input rows of every Linear before it runs (calibration: `engine/calibration.h`
// accumulates Σ x·xᵀ per Linear from an fp32 pass). `x` holds `rows` rows of
// `weights.in_features()` floats, `x_stride` apart.
using LinearInputTap = std::function<void(const PackedLinear& weights, const float* x,
                                          int64_t x_stride, int64_t rows)>;

class Encoder {
 public:
  Encoder(std::shared_ptr<const PackedModel> model, const EncoderOptions& options);
  // Packs `weights` in fp32 for this Encoder alone (tests, tools); prefer sharing a PackedModel.
  Encoder(std::shared_ptr<const loader::DistilBertWeights> weights, const EncoderOptions& options);
  ~Encoder();
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;

  // Throws encore::Error for ids outside the vocabulary or seq > max_position_embeddings.
  EncoderOutput forward(const Batch& batch);

  // Calls `tap` before every Linear of later forward() calls; an empty function removes it.
  void set_linear_input_tap(LinearInputTap tap);

  const loader::ModelConfig& config() const;
  const PackedModel& model() const;
  int threads() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace encore::engine
