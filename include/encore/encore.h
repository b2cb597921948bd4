// encore — the public C++ API an application embeds (and that `encore serve` and `encore predict`
// use): load a DistilBERT model folder once, give each concurrent caller its own Session, run a
// task on texts or token ids. Post-processing follows Hugging Face pipelines (TextClassification,
// TokenClassification, FeatureExtraction) and TEI's /rerank.
//
//   auto model = encore::Model::load("models/emotion", {.threads = 2});
//   encore::Session session(model);
//   for (const auto& [id, label, score] : session.classify("I love this")) ...
//
// Every problem (bad folder, too many tokens, a task the head cannot do) throws encore::Error
// (encore/error.h) with a message naming what was wrong.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "encore/error.h"

#include "encore/tokenizer.h"

namespace encore {

// fp32: parity with the reference. int8: AVX-512 VNNI, per-row dynamic activation quantization,
// per-channel weights (fp32 on a CPU without VNNI). bf16: AVX512_BF16 (fp32 without it).
enum class Precision { kFp32, kBf16, kInt8 };

struct ModelOptions {
  int threads = 0;  // per Session; 0 = every core the process may run on
  Precision precision = Precision::kFp32;
};

// The tasks encore serves. A checkpoint's head decides which it can run: sequence classification
// (kClassify, kRank), token classification (kTokens); every checkpoint can run kEmbed.
enum class Task { kClassify, kTokens, kEmbed, kRank };

// Hugging Face `function_to_apply`.
enum class ClassificationFunction { kSoftmax, kSigmoid, kNone };

// Hugging Face `aggregation_strategy`.
enum class Aggregation { kNone, kSimple, kFirst, kAverage, kMax };

// kTokens returns every token state instead of one vector per input.
enum class Pooling { kCls, kMean, kTokens };

// Names as they appear on the command line and in HTTP requests ("classify", "softmax",
// "average", "mean", "fp32", "bf16", "int8"). The parse functions throw encore::Error listing the valid names.
std::string_view task_name(Task task);
Task parse_task(std::string_view name);
std::string_view function_name(ClassificationFunction function);
ClassificationFunction parse_function(std::string_view name);
std::string_view aggregation_name(Aggregation aggregation);
Aggregation parse_aggregation(std::string_view name);
std::string_view pooling_name(Pooling pooling);
Pooling parse_pooling(std::string_view name);
Precision parse_precision(std::string_view name);

// What a model's forward pass runs on (GET /info, logs).
struct KernelInfo {
  std::string isa;        // the ISA level the weights were packed for: "avx512_vnni", "avx512" or
                          // "portable" (the CPU's best, unless ENCORE_ISA lowers it)
  std::string precision;  // as requested: "fp32", "bf16" or "int8"
  std::string linear_kernels;  // the Linear layers' GEMMs, distinct, joined by '+' ("jit_int8")
  std::string highway_target;  // Highway target of the fp32 kernels (attention, LayerNorm, ...):
                               // "AVX3", "AVX2", "SSE4"
};

// A model folder loaded once and shared, immutable, by every Session.
class Model {
 public:
  // Reads DIR/config.json, the safetensors weights and the tokenizer files, and packs the weights
  // for options.precision; or, when the path names a file, a .encore file from `encore optimize`
  // (already packed, self-contained, its own precision).
  static std::shared_ptr<const Model> load(const std::string& dir,
                                           const ModelOptions& options = {});

  Task default_task() const;  // kClassify, kTokens or kEmbed, from config.json's architecture
  bool supports(Task task) const;
  const std::string& architecture() const;         // as written in config.json
  const std::vector<std::string>& labels() const;  // id2label in id order; empty for a base model
  int64_t hidden_size() const;
  // Longest input in tokens (special tokens included): min(model_max_length,
  // max_position_embeddings).
  size_t max_length() const;
  const Tokenizer& tokenizer() const;
  const std::string& path() const;
  const ModelOptions& options() const;
  KernelInfo kernel_info() const;

  // Internal (engine/api/model_impl.h): Impl is opaque to applications, so only load() builds one.
  struct Impl;
  const Impl& impl() const { return *impl_; }
  explicit Model(std::unique_ptr<Impl> impl);
  ~Model();

 private:
  std::unique_ptr<Impl> impl_;
};

// One input: a text, a text pair, or token ids that already include [CLS]/[SEP].
struct Input {
  std::string_view text;
  std::optional<std::string_view> text_pair;
  std::span<const int32_t> ids;  // when non-empty the input is pre-tokenized and text is unused

  static Input of_text(std::string_view text) { return {text, std::nullopt, {}}; }
  static Input of_pair(std::string_view text, std::string_view pair) { return {text, pair, {}}; }
  static Input of_ids(std::span<const int32_t> ids) { return {{}, std::nullopt, ids}; }
};

// An input longer than Model::max_length() is an error unless `truncate` is set, in which case
// text is cut as Hugging Face's longest_first truncation does (ids inputs are never cut).
struct ClassifyOptions {
  std::optional<ClassificationFunction> function;  // unset: from config.json, as transformers
  std::optional<size_t> top_k = 1;                 // unset: every label, best first
  bool truncate = false;
};

struct TokenOptions {
  Aggregation aggregation = Aggregation::kNone;
  std::vector<std::string> ignore_labels = {"O"};  // compared to the label or its entity group
  bool truncate = false;
};

struct EmbedOptions {
  Pooling pooling = Pooling::kCls;
  bool normalize = false;  // L2, as sentence-transformers' Normalize (x / max(|x|, 1e-12))
  bool truncate = false;
};

struct RankOptions {
  // One-label heads: sigmoid(logit), or the logit itself when raw. Several labels: the softmax
  // probability of the last label (the "relevant" class of binary cross-encoders), or its logit.
  bool raw_scores = false;
  bool truncate = false;
};

// Results are plain structs; label views point into the Model, which the Session keeps alive.
struct LabelScore {
  int32_t label_id = 0;
  std::string_view label;
  float score = 0;
};

// A token (Aggregation::kNone) or an entity group. Offsets are code points of the input text.
struct Entity {
  std::string entity;  // the label; with aggregation, the entity group ("PER" for B-PER/I-PER)
  float score = 0;
  std::string word;
  uint32_t start = 0;
  uint32_t end = 0;
  int32_t index = -1;  // token position in the encoding; -1 when aggregated
};

struct Embedding {
  std::vector<float> values;  // [rows, dim] row-major
  int64_t rows = 0;           // 1 when pooled, the token count for Pooling::kTokens
  int64_t dim = 0;
};

struct RankScore {
  int32_t index = 0;  // position of the passage in the request
  float score = 0;
};

// The model's raw outputs for a padded batch; views valid until the Session's next call.
struct RawOutput {
  int64_t batch = 0;
  int64_t seq = 0;
  int64_t hidden_size = 0;
  int64_t num_labels = 0;
  bool logits_per_token = false;             // token classification head
  std::span<const Encoding> encodings;       // one per row, padded to seq
  std::span<const float> last_hidden_state;  // [batch, seq, hidden_size]
  std::span<const float> logits;  // [batch, num_labels], [batch, seq, num_labels], or empty
};

// What the Session's last call did, for metrics and the x-compute-tokens header. Times are wall
// clock: tokenizing (and padding), the forward pass, then the task's post-processing.
struct RunStats {
  size_t inputs = 0;
  size_t input_tokens = 0;   // real tokens (special tokens included), the sum over inputs
  size_t padded_tokens = 0;  // inputs × the padded length: what the forward pass computed
  double tokenize_ms = 0;
  double inference_ms = 0;
  double postprocess_ms = 0;
  std::span<const size_t> tokens_per_input;  // view valid until the Session's next call
};

// One caller's worker: owns the forward pass's threads and scratch memory, and reuses its
// buffers, so after the first calls a request allocates only what its results need. Not
// thread-safe: make one Session per concurrent caller (they share the Model's weights).
// Each batch call runs its inputs as one padded batch and fills `out` with one result per input.
class Session {
 public:
  explicit Session(std::shared_ptr<const Model> model);
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;

  void classify(std::span<const Input> inputs, const ClassifyOptions& options,
                std::vector<std::vector<LabelScore>>& out);
  void classify_tokens(std::span<const Input> inputs, const TokenOptions& options,
                       std::vector<std::vector<Entity>>& out);
  void embed(std::span<const Input> inputs, const EmbedOptions& options,
             std::vector<Embedding>& out);
  // Scores each (query, passage) pair and returns them best first, as TEI's /rerank.
  void rank(std::string_view query, std::span<const std::string_view> passages,
            const RankOptions& options, std::vector<RankScore>& out);
  RawOutput forward(std::span<const Input> inputs, bool truncate = false);

  // One-text conveniences.
  std::vector<LabelScore> classify(std::string_view text, const ClassifyOptions& options = {});
  std::vector<Entity> classify_tokens(std::string_view text, const TokenOptions& options = {});
  Embedding embed(std::string_view text, const EmbedOptions& options = {});

  const Model& model() const;
  // What the last successful call above did.
  const RunStats& last_stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace encore
