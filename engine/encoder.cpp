// Encoder: the DistilBERT graph of transformers' modeling_distilbert.py on the kernels, for a
// padded batch. Every activation lives in one arena planned from the largest batch seen so far.
//
//   x = LayerNorm(word[ids] + position[0..seq))
//   per layer:  qkv = x·Wqkvᵀ + b                      (one fused GEMM)
//               ctx = attention(q, k, v, mask)          (per sequence and head)
//               sa  = LayerNorm(ctx·Woᵀ + b + x)        (residual fused in the GEMM epilogue)
//               x   = LayerNorm(act(sa·W1ᵀ + b1)·W2ᵀ + b2 + sa)
//   heads:      sequence: classifier(ReLU(pre_classifier(x[:, 0])));  token: classifier(x)
#include "engine/encoder.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "engine/arena.h"
#include "engine/cpu_affinity.h"
#include "engine/linear.h"
#include "engine/op_profile.h"
#include "engine/thread_pool.h"
#include "kernels/attention.h"
#include "kernels/layer_norm.h"
#include "support/error.h"

namespace encore::engine {
namespace {

constexpr float kLayerNormEps = 1e-12f;  // DistilBERT's nn.LayerNorm(eps=1e-12)
constexpr int64_t kDefaultMaxBatchTokens = 512;
constexpr int64_t kRowsPerLayerNormTask = 16;

int64_t round_up_to_line(int64_t floats) {
  return (floats + 15) / 16 * 16;
}

// Where each activation lives in the arena, for up to `tokens` batch × seq tokens.
struct Workspace {
  float* hidden = nullptr;             // [tokens, dim]: x, and finally last_hidden_state
  float* attention = nullptr;          // [tokens, dim]: sa, the block's post-attention state
  float* qkv = nullptr;                // [tokens, 3·dim]
  float* context = nullptr;            // [tokens, dim]: attention output before out_lin
  float* ffn = nullptr;                // [tokens, hidden_dim]
  float* pooled = nullptr;             // [batch ≤ tokens, dim]: ReLU(pre_classifier(CLS))
  float* logits = nullptr;             // [tokens, num_labels]
  float* attention_scratch = nullptr;  // one block of attention_scratch_stride per worker
  int64_t attention_scratch_stride = 0;
};

// Lays the workspace out from `base` (null: just measure). Returns the floats it needs.
int64_t plan_workspace(const loader::ModelConfig& config, int64_t tokens, int workers, float* base,
                       Workspace& ws) {
  int64_t offset = 0;
  auto take = [&](float*& region, int64_t floats) {
    region = base ? base + offset : nullptr;
    offset += round_up_to_line(floats);
  };
  take(ws.hidden, tokens * config.dim);
  take(ws.attention, tokens * config.dim);
  take(ws.qkv, tokens * 3 * config.dim);
  take(ws.context, tokens * config.dim);
  take(ws.ffn, tokens * config.hidden_dim);
  take(ws.pooled, tokens * config.dim);
  take(ws.logits, tokens * std::max<int64_t>(config.num_labels(), 1));
  // Attention scratch depends on the longest sequence, not the batch: size it for the longest.
  ws.attention_scratch_stride = round_up_to_line(
      kernels::attention_scratch_floats(config.max_position_embeddings, config.head_dim()));
  take(ws.attention_scratch, ws.attention_scratch_stride * workers);
  return offset;
}

LinearActivation ffn_activation(const loader::ModelConfig& config) {
  if (config.activation == "gelu") return LinearActivation::kGelu;
  if (config.activation == "relu") return LinearActivation::kRelu;
  throw_error("Encoder: activation '", config.activation, "' is not supported (gelu or relu)");
}

// LayerNorm of row t of x (+ residual) into out, and into row t of `quantized` (scaled by
// column_scale) when given: one sweep feeds both the next residual and the next int8 GEMM.
void layer_norm_row_for(const float* x, const float* residual, const PackedLayerNorm& norm,
                        float* out, int64_t dim, jit::QuantizedRows* quantized,
                        const float* column_scale, int64_t t) {
  if (!quantized) {
    kernels::layer_norm_row(x, residual, norm.gamma_data(), norm.beta_data(), out,
                            static_cast<size_t>(dim), kLayerNormEps);
    return;
  }
  uint8_t* q = quantized->data.data() + t * quantized->stride;
  kernels::layer_norm_row_quantized(x, residual, norm.gamma_data(), norm.beta_data(), out,
                                    static_cast<size_t>(dim), kLayerNormEps, column_scale, q,
                                    &quantized->scale[t], &quantized->zero_point[t]);
  std::fill(q + dim, q + quantized->stride, uint8_t{0});
}

}  // namespace

struct Encoder::Impl {
  Impl(std::shared_ptr<const PackedModel> m, const EncoderOptions& options)
      : model(std::move(m)),
        config(model->config),
        activation(ffn_activation(config)),
        cpus(allowed_cpus()),
        pin(options.pin_threads),
        pool(options.threads > 0 ? options.threads : static_cast<int>(cpus.size()), pin, cpus) {
    reserve(options.max_batch_tokens > 0 ? options.max_batch_tokens : kDefaultMaxBatchTokens);
    prepare_linears();
  }

  // Every Linear as layer() and heads() call it.
  void prepare_linears() {
    for (const PackedLayer& layer : model->layers) {
      linears.prepare(layer.qkv, LinearActivation::kNone, false);
      linears.prepare(layer.out, LinearActivation::kNone, true);
      linears.prepare(layer.ffn_in, activation, false);
      linears.prepare(layer.ffn_out, LinearActivation::kNone, true);
    }
    if (!model->pre_classifier.empty())
      linears.prepare(model->pre_classifier, LinearActivation::kRelu, false);
    if (!model->classifier.empty())
      linears.prepare(model->classifier, LinearActivation::kNone, false);
  }

  void reserve(int64_t tokens) {
    if (tokens <= capacity_tokens) return;
    arena.reserve(static_cast<size_t>(plan_workspace(config, tokens, pool.size(), nullptr, ws)));
    plan_workspace(config, tokens, pool.size(), arena.data(), ws);
    capacity_tokens = tokens;
  }

  void validate(const Batch& batch) const;
  // `first_qkv`: layer 0's QKV (or null), whose int8 rows the embeddings' LayerNorm writes when
  // it can.
  void embed(const Batch& batch, const PackedLinear* first_qkv);
  // after: the Linear that runs after this layer (the next layer's QKV, or a head), for
  // prefetching; next_qkv: the next layer's QKV (or null), whose rows out_ln may quantize.
  void layer(const PackedLayer& layer, const Batch& batch, const PackedLinear* after,
             const PackedLinear* next_qkv);
  void attention(const Batch& batch);  // ws.qkv → ws.context, per (sequence, head)
  // In place. With `quantized` (from LinearRunner::rows_to_prequantize for the Linear `next`),
  // also writes the rows as that int8 Linear's activations; returns whether it did.
  bool layer_norm_rows(float* rows, int64_t count, const PackedLayerNorm& norm,
                       const PackedLinear* next = nullptr);
  // y = act(x·Wᵀ + b) (+ residual) for `rows` rows, strides: x_stride, and out_features for y.
  // `next`: the Linear that runs after this one (its weights are prefetched), or null.
  // `prequantized`: the int8 rows were written by a LayerNorm (LinearCall::prequantized).
  void linear(const PackedLinear& weights, const float* x, int64_t x_stride, int64_t rows, float* y,
              LinearActivation activation = LinearActivation::kNone,
              const float* residual = nullptr, const PackedLinear* next = nullptr,
              bool prequantized = false);
  EncoderOutput heads(const Batch& batch);

  std::shared_ptr<const PackedModel> model;
  const loader::ModelConfig& config;
  LinearActivation activation;
  LinearRunner linears;
  std::vector<int> cpus;
  bool pin;
  ThreadPool pool;
  Arena arena;
  Workspace ws;
  int64_t capacity_tokens = 0;
  OpProfile profile;
  LinearInputTap linear_input_tap;
  bool hidden_prequantized = false;  // ws.hidden's int8 rows for the next QKV are written
};

void Encoder::Impl::validate(const Batch& batch) const {
  if (batch.batch < 1 || batch.seq < 1) {
    throw_error("Encoder::forward: batch ", batch.batch, " × seq ", batch.seq,
                " is empty (both must be ≥ 1)");
  }
  if (batch.seq > config.max_position_embeddings) {
    throw_error("Encoder::forward: sequence length ", batch.seq, " exceeds the model's ",
                "max_position_embeddings ", config.max_position_embeddings);
  }
  const int64_t tokens = batch.batch * batch.seq;
  if (static_cast<int64_t>(batch.ids.size()) != tokens) {
    throw_error("Encoder::forward: ids has ", batch.ids.size(), " elements, expected batch ",
                batch.batch, " × seq ", batch.seq, " = ", tokens);
  }
  if (!batch.attention_mask.empty() &&
      static_cast<int64_t>(batch.attention_mask.size()) != tokens) {
    throw_error("Encoder::forward: attention_mask has ", batch.attention_mask.size(),
                " elements, expected batch ", batch.batch, " × seq ", batch.seq, " = ", tokens,
                " (or none for an unpadded batch)");
  }
  for (int64_t t = 0; t < tokens; ++t) {
    const int32_t id = batch.ids[t];
    if (id < 0 || id >= config.vocab_size) {
      throw_error("Encoder::forward: token id ", id, " at [", t / batch.seq, ", ", t % batch.seq,
                  "] is outside the vocabulary [0, ", config.vocab_size, ")");
    }
  }
}

void Encoder::Impl::embed(const Batch& batch, const PackedLinear* first_qkv) {
  const int64_t dim = config.dim;
  const int64_t tokens = batch.batch * batch.seq;
  const float* word = model->word_embedding_data();
  const float* position = model->position_embedding_data();
  const PackedLayerNorm& norm = model->embeddings_layer_norm;
  jit::QuantizedRows* quantized =
      first_qkv ? linears.rows_to_prequantize(*first_qkv, tokens) : nullptr;
  const float* column_scale = first_qkv ? smoothing_scale(*first_qkv) : nullptr;
  pool.parallel_for(
      (tokens + kRowsPerLayerNormTask - 1) / kRowsPerLayerNormTask, [&](int64_t task, int) {
        const int64_t end = std::min(tokens, (task + 1) * kRowsPerLayerNormTask);
        for (int64_t t = task * kRowsPerLayerNormTask; t < end; ++t) {
          layer_norm_row_for(word + batch.ids[t] * dim, position + (t % batch.seq) * dim, norm,
                             ws.hidden + t * dim, dim, quantized, column_scale, t);
        }
      });
  hidden_prequantized = quantized != nullptr;
}

bool Encoder::Impl::layer_norm_rows(float* rows, int64_t count, const PackedLayerNorm& norm,
                                    const PackedLinear* next) {
  const int64_t dim = config.dim;
  jit::QuantizedRows* quantized = next ? linears.rows_to_prequantize(*next, count) : nullptr;
  const float* column_scale = next ? smoothing_scale(*next) : nullptr;
  pool.parallel_for(
      (count + kRowsPerLayerNormTask - 1) / kRowsPerLayerNormTask, [&](int64_t task, int) {
        const int64_t end = std::min(count, (task + 1) * kRowsPerLayerNormTask);
        for (int64_t t = task * kRowsPerLayerNormTask; t < end; ++t) {
          layer_norm_row_for(rows + t * dim, nullptr, norm, rows + t * dim, dim, quantized,
                             column_scale, t);
        }
      });
  return quantized != nullptr;
}

void Encoder::Impl::linear(const PackedLinear& weights, const float* x, int64_t x_stride,
                           int64_t rows, float* y, LinearActivation activation,
                           const float* residual, const PackedLinear* next, bool prequantized) {
  if (linear_input_tap) linear_input_tap(weights, x, x_stride, rows);
  LinearCall call;
  call.x = x;
  call.x_stride = x_stride;
  call.rows = rows;
  call.y = y;
  call.y_stride = weights.out_features();
  call.activation = activation;
  call.residual = residual;
  call.residual_stride = weights.out_features();
  call.next = next;
  call.prequantized = prequantized;
  linears.run(pool, weights, call);
}

void Encoder::Impl::layer(const PackedLayer& layer, const Batch& batch, const PackedLinear* after,
                          const PackedLinear* next_qkv) {
  const int64_t dim = config.dim;
  const int64_t tokens = batch.batch * batch.seq;

  profile.time(Op::kQkv, [&] {
    linear(layer.qkv, ws.hidden, dim, tokens, ws.qkv, LinearActivation::kNone, nullptr, &layer.out,
           hidden_prequantized);
  });

  profile.time(Op::kAttention, [&] { attention(batch); });

  profile.time(Op::kOut, [&] {
    linear(layer.out, ws.context, dim, tokens, ws.attention, LinearActivation::kNone, ws.hidden,
           &layer.ffn_in);
  });
  bool ffn_in_prequantized = false;
  profile.time(Op::kSaLayerNorm, [&] {
    ffn_in_prequantized = layer_norm_rows(ws.attention, tokens, layer.sa_layer_norm, &layer.ffn_in);
  });

  profile.time(Op::kFfnIn, [&] {
    linear(layer.ffn_in, ws.attention, dim, tokens, ws.ffn, activation, nullptr, &layer.ffn_out,
           ffn_in_prequantized);
  });
  profile.time(Op::kFfnOut, [&] {
    linear(layer.ffn_out, ws.ffn, config.hidden_dim, tokens, ws.hidden, LinearActivation::kNone,
           ws.attention, after);
  });
  profile.time(Op::kOutputLayerNorm, [&] {
    hidden_prequantized = layer_norm_rows(ws.hidden, tokens, layer.output_layer_norm, next_qkv);
  });
}

void Encoder::Impl::attention(const Batch& batch) {
  const int64_t dim = config.dim;
  const int64_t heads = config.n_heads;
  const int64_t head_dim = config.head_dim();
  pool.parallel_for(batch.batch * heads, [&](int64_t task, int worker) {
    const int64_t sequence = task / heads;
    const int64_t head = task % heads;
    const float* q = ws.qkv + sequence * batch.seq * 3 * dim + head * head_dim;
    kernels::AttentionArgs args;
    args.q = q;
    args.k = q + dim;
    args.v = q + 2 * dim;
    args.ldq = args.ldk = args.ldv = 3 * dim;
    args.key_mask =
        batch.attention_mask.empty() ? nullptr : batch.attention_mask.data() + sequence * batch.seq;
    args.out = ws.context + sequence * batch.seq * dim + head * head_dim;
    args.ld_out = dim;
    args.seq = batch.seq;
    args.head_dim = head_dim;
    args.scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
    kernels::attention_head(args, ws.attention_scratch + worker * ws.attention_scratch_stride);
  });
}

EncoderOutput Encoder::Impl::heads(const Batch& batch) {
  const int64_t dim = config.dim;
  const int64_t tokens = batch.batch * batch.seq;
  EncoderOutput output;
  output.last_hidden_state = {ws.hidden, static_cast<size_t>(tokens * dim)};
  switch (config.architecture) {
    case loader::Architecture::kSequenceClassification:
      // The [CLS] state of sequence b is row b·seq of hidden: a strided A, no gather needed.
      linear(model->pre_classifier, ws.hidden, batch.seq * dim, batch.batch, ws.pooled,
             LinearActivation::kRelu);
      linear(model->classifier, ws.pooled, dim, batch.batch, ws.logits);
      output.logits = {ws.logits, static_cast<size_t>(batch.batch * config.num_labels())};
      break;
    case loader::Architecture::kTokenClassification:
      linear(model->classifier, ws.hidden, dim, tokens, ws.logits);
      output.logits = {ws.logits, static_cast<size_t>(tokens * config.num_labels())};
      break;
    case loader::Architecture::kBaseModel:
      break;
  }
  return output;
}

Encoder::Encoder(std::shared_ptr<const PackedModel> model, const EncoderOptions& options)
    : impl_(std::make_unique<Impl>(std::move(model), options)) {}

Encoder::Encoder(std::shared_ptr<const loader::DistilBertWeights> weights,
                 const EncoderOptions& options)
    : Encoder(std::make_shared<const PackedModel>(pack_model(std::move(weights), Precision::kFp32)),
              options) {}

Encoder::~Encoder() = default;

EncoderOutput Encoder::forward(const Batch& batch) {
  Impl& impl = *impl_;
  impl.validate(batch);
  impl.reserve(batch.batch * batch.seq);
  // The caller works as worker 0: pin it beside the pool's workers for this call only.
  std::optional<ScopedPin> pin;
  if (impl.pin && impl.pool.size() > 1) pin.emplace(impl.cpus[0]);
  impl.profile.begin_forward(batch.batch * batch.seq);
  const std::vector<PackedLayer>& layers = impl.model->layers;
  impl.profile.time(Op::kEmbed,
                    [&] { impl.embed(batch, layers.empty() ? nullptr : &layers[0].qkv); });
  for (size_t i = 0; i < layers.size(); ++i) {
    const PackedLinear* next_qkv = i + 1 < layers.size() ? &layers[i + 1].qkv : nullptr;
    const PackedLinear* after = next_qkv                              ? next_qkv
                                : !impl.model->pre_classifier.empty() ? &impl.model->pre_classifier
                                                                      : nullptr;
    impl.layer(layers[i], batch, after, next_qkv);
  }
  EncoderOutput output;
  impl.profile.time(Op::kHeads, [&] { output = impl.heads(batch); });
  impl.profile.end_forward();
  return output;
}

void Encoder::set_linear_input_tap(LinearInputTap tap) { impl_->linear_input_tap = std::move(tap); }

const loader::ModelConfig& Encoder::config() const {
  return impl_->config;
}

const PackedModel& Encoder::model() const {
  return *impl_->model;
}

int Encoder::threads() const {
  return impl_->pool.size();
}

}  // namespace encore::engine
