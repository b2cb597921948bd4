#include "loader/distilbert_weights.h"

#include <cstdint>
#include <deque>

#include "loader/checkpoint.h"
#include "loader/float_convert.h"
#include "support/error.h"

namespace encore::loader {
namespace {

// What the spans of DistilBertWeights point into: the mapped checkpoint (F32 read in place) and
// fp32 copies of F16/BF16/unaligned tensors. A deque never moves its buffers as it grows.
struct Storage {
  explicit Storage(const std::string& model_dir) : checkpoint(model_dir) {}
  Checkpoint checkpoint;
  std::deque<std::vector<float>> converted;
};

class WeightReader {
 public:
  WeightReader(Storage& storage, const ModelConfig& config) : storage_(storage), config_(config) {}

  // `name` as in DistilBertModel; transformers' task models prefix the encoder with "distilbert.".
  std::span<const float> encoder_tensor(const std::string& name, std::vector<int64_t> shape,
                                        const char* meaning) {
    const std::string prefixed = "distilbert." + name;
    const Checkpoint& checkpoint = storage_.checkpoint;
    if (!checkpoint.find(prefixed) && !checkpoint.find(name)) missing(prefixed + "' (or '" + name);
    return tensor(checkpoint.find(prefixed) ? prefixed : name, std::move(shape), meaning);
  }

  // Reads `name` as fp32 after checking its dtype and that its shape is `shape`; `meaning` says
  // which config fields the shape comes from, for the error message.
  std::span<const float> tensor(const std::string& name, std::vector<int64_t> shape,
                                const char* meaning) {
    const Checkpoint& checkpoint = storage_.checkpoint;
    const TensorView* view = checkpoint.find(name);
    if (view == nullptr) missing(name);
    const std::string& file = checkpoint.file_of(name);
    if (!is_float_dtype(view->dtype)) {
      throw_error(file, ": tensor '", name, "' has dtype ", dtype_name(view->dtype),
                  "; encore reads F32, F16 or BF16 weights");
    }
    if (view->shape != shape) {
      throw_error(file, ": tensor '", name, "' has shape ", shape_string(view->shape),
                  " but config.json implies ", shape_string(shape), " (", meaning, ")");
    }
    const bool aligned = reinterpret_cast<uintptr_t>(view->bytes.data()) % alignof(float) == 0;
    if (view->dtype == DType::kF32 && aligned) {
      return {reinterpret_cast<const float*>(view->bytes.data()),
              static_cast<size_t>(view->element_count())};
    }
    std::vector<float>& out = storage_.converted.emplace_back(view->element_count());
    convert_to_fp32(*view, out);
    return out;
  }

  Matrix matrix(const std::string& name, int64_t rows, int64_t cols, const char* meaning,
                bool in_encoder = true) {
    std::vector<int64_t> shape = {rows, cols};
    auto data = in_encoder ? encoder_tensor(name, shape, meaning) : tensor(name, shape, meaning);
    return {data, rows, cols};
  }

  Linear linear(const std::string& name, int64_t out_features, int64_t in_features,
                const char* meaning, bool in_encoder = true) {
    Linear layer;
    layer.weight = matrix(name + ".weight", out_features, in_features, meaning, in_encoder);
    layer.bias = in_encoder ? encoder_tensor(name + ".bias", {out_features}, meaning)
                            : tensor(name + ".bias", {out_features}, meaning);
    return layer;
  }

  LayerNormWeights layer_norm(const std::string& name) {
    return {encoder_tensor(name + ".weight", {config_.dim}, "dim"),
            encoder_tensor(name + ".bias", {config_.dim}, "dim")};
  }

 private:
  [[noreturn]] void missing(const std::string& name) const {
    throw_error(storage_.checkpoint.main_file(), ": missing tensor '", name, "' (config.json says ",
                config_.architecture_name, " with n_layers ", config_.n_layers, ")");
  }

  Storage& storage_;
  const ModelConfig& config_;
};

}  // namespace

DistilBertWeights load_distilbert(const std::string& model_dir) {
  DistilBertWeights weights;
  weights.config = load_model_config(model_dir);
  const ModelConfig& c = weights.config;
  auto storage = std::make_shared<Storage>(model_dir);
  WeightReader reader(*storage, c);

  weights.word_embeddings =
      reader.matrix("embeddings.word_embeddings.weight", c.vocab_size, c.dim, "vocab_size, dim");
  weights.position_embeddings =
      reader.matrix("embeddings.position_embeddings.weight", c.max_position_embeddings, c.dim,
                    "max_position_embeddings, dim");
  weights.embeddings_layer_norm = reader.layer_norm("embeddings.LayerNorm");
  for (int64_t i = 0; i < c.n_layers; ++i) {
    const std::string p = "transformer.layer." + std::to_string(i) + ".";
    TransformerLayerWeights& layer = weights.layers.emplace_back();
    layer.q = reader.linear(p + "attention.q_lin", c.dim, c.dim, "dim, dim");
    layer.k = reader.linear(p + "attention.k_lin", c.dim, c.dim, "dim, dim");
    layer.v = reader.linear(p + "attention.v_lin", c.dim, c.dim, "dim, dim");
    layer.out = reader.linear(p + "attention.out_lin", c.dim, c.dim, "dim, dim");
    layer.sa_layer_norm = reader.layer_norm(p + "sa_layer_norm");
    layer.ffn_in = reader.linear(p + "ffn.lin1", c.hidden_dim, c.dim, "hidden_dim, dim");
    layer.ffn_out = reader.linear(p + "ffn.lin2", c.dim, c.hidden_dim, "dim, hidden_dim");
    layer.output_layer_norm = reader.layer_norm(p + "output_layer_norm");
  }
  // The heads sit outside the encoder, never prefixed.
  if (c.architecture == Architecture::kSequenceClassification) {
    weights.pre_classifier = reader.linear("pre_classifier", c.dim, c.dim, "dim, dim", false);
  }
  if (c.architecture != Architecture::kBaseModel) {
    weights.classifier =
        reader.linear("classifier", c.num_labels(), c.dim, "number of labels, dim", false);
  }
  weights.storage = std::move(storage);
  return weights;
}

}  // namespace encore::loader
