#include "loader/demo_model.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <filesystem>
#include <fstream>
#include <numbers>

#include "loader/safetensors_writer.h"
#include "support/error.h"
#include "support/json_writer.h"

namespace encore::loader {
namespace {

const std::vector<std::string> kEmotionLabels = {"sadness", "joy",  "love",
                                                 "anger",   "fear", "surprise"};
const std::vector<std::string> kNerLabels = {"O",     "B-PER", "I-PER",  "B-ORG", "I-ORG",
                                             "B-LOC", "I-LOC", "B-MISC", "I-MISC"};

// SplitMix64 (Steele et al.): tiny, fast and the same on every platform, unlike std's
// distributions. Each tensor gets its own stream, so its values do not depend on write order.
class Random {
 public:
  Random(uint64_t seed, std::string_view tensor_name) : state_(seed) {
    for (char c : tensor_name) state_ = (state_ ^ static_cast<uint8_t>(c)) * 0x100000001B3ull;
  }
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in (0, 1]: never 0, so log() below stays finite.
  double uniform() { return (static_cast<double>(next() >> 11) + 1.0) * 0x1p-53; }

  // Box–Muller, two normal samples per pair of uniforms.
  void fill_normal(std::span<float> out, double std_dev) {
    for (size_t i = 0; i < out.size(); i += 2) {
      double radius = std_dev * std::sqrt(-2.0 * std::log(uniform()));
      double angle = 2.0 * std::numbers::pi * uniform();
      out[i] = static_cast<float>(radius * std::cos(angle));
      if (i + 1 < out.size()) out[i + 1] = static_cast<float>(radius * std::sin(angle));
    }
  }

 private:
  uint64_t state_;
};

// Collects the tensors of the checkpoint, owning their data until written.
class TensorSet {
 public:
  explicit TensorSet(uint64_t seed) : seed_(seed) {}

  void normal(const std::string& name, std::vector<int64_t> shape, double std_dev) {
    Random(seed_, name).fill_normal(add(name, std::move(shape)), std_dev);
  }
  void constant(const std::string& name, std::vector<int64_t> shape, float value) {
    std::span<float> data = add(name, std::move(shape));
    std::fill(data.begin(), data.end(), value);
  }
  // Initialized like distilbert_ref.py: weights N(0, 0.04), biases N(0, 0.02).
  void linear(const std::string& name, int64_t out_features, int64_t in_features,
              double std_dev = 0.04) {
    normal(name + ".weight", {out_features, in_features}, std_dev);
    normal(name + ".bias", {out_features}, 0.02);
  }
  void layer_norm(const std::string& name, int64_t dim) {
    constant(name + ".weight", {dim}, 1.0f);
    constant(name + ".bias", {dim}, 0.0f);
  }

  void write(const std::string& path) const { write_safetensors(path, tensors_); }

 private:
  std::span<float> add(const std::string& name, std::vector<int64_t> shape) {
    int64_t count = 1;
    for (int64_t d : shape) count *= d;
    std::vector<float>& data = storage_.emplace_back(static_cast<size_t>(count));
    tensors_.push_back({name, DType::kF32, std::move(shape), std::as_bytes(std::span(data))});
    return data;
  }

  uint64_t seed_;
  std::deque<std::vector<float>> storage_;
  std::vector<TensorToWrite> tensors_;
};

std::string_view architecture_name(Architecture architecture) {
  switch (architecture) {
    case Architecture::kSequenceClassification:
      return "DistilBertForSequenceClassification";
    case Architecture::kTokenClassification:
      return "DistilBertForTokenClassification";
    case Architecture::kBaseModel:
      return "DistilBertModel";
  }
  return "";
}

int64_t count_lines(std::string_view text) {
  return static_cast<int64_t>(std::count(text.begin(), text.end(), '\n'));
}

std::string config_json(const DemoModelOptions& o, int64_t vocab_size,
                        const std::vector<std::string>& labels) {
  std::string json;
  JsonWriter w(json);
  w.begin_object();
  w.key("architectures").begin_array().value(architecture_name(o.architecture)).end_array();
  w.key("model_type").value("distilbert");
  w.key("activation").value("gelu");
  w.key("attention_dropout").value(0.1);
  w.key("dim").value(o.dim);
  w.key("dropout").value(0.1);
  w.key("hidden_dim").value(o.hidden_dim);
  w.key("initializer_range").value(0.02);
  w.key("max_position_embeddings").value(o.max_position_embeddings);
  w.key("n_heads").value(o.n_heads);
  w.key("n_layers").value(o.n_layers);
  w.key("pad_token_id").value(0);
  w.key("qa_dropout").value(0.1);
  w.key("seq_classif_dropout").value(0.2);
  w.key("sinusoidal_pos_embds").value(false);
  w.key("tie_weights_").value(true);
  w.key("vocab_size").value(vocab_size);
  w.key("torch_dtype").value("float32");
  if (!labels.empty()) {
    w.key("id2label").begin_object();
    for (size_t i = 0; i < labels.size(); ++i) w.key(std::to_string(i)).value(labels[i]);
    w.end_object().key("label2id").begin_object();
    for (size_t i = 0; i < labels.size(); ++i) w.key(labels[i]).value(static_cast<int64_t>(i));
    w.end_object();
  }
  w.end_object();
  return json + "\n";
}

constexpr std::string_view kTokenizerConfig =
    R"({"do_lower_case": true, "model_max_length": 512, "tokenizer_class": "DistilBertTokenizer", )"
    R"("unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]", )"
    R"("mask_token": "[MASK]", "strip_accents": null, "tokenize_chinese_chars": true})"
    "\n";

std::string readme(const DemoModelOptions& o) {
  return "# encore demo model: RANDOM WEIGHTS\n\n"
         "This folder was written by `encore demo-model --seed " +
         std::to_string(o.seed) +
         "`. Its weights are random numbers,\nnot a trained model: every prediction it makes is "
         "meaningless. It exists so encore can be\ntried (predict, serve, bench) with no download. "
         "The vocabulary (vocab.txt) is the real\nbert-base-uncased one, so tokenization is "
         "real.\n\n"
         "Architecture: " +
         std::string(architecture_name(o.architecture)) + ", dim " + std::to_string(o.dim) + ", " +
         std::to_string(o.n_heads) + " heads, " + std::to_string(o.n_layers) + " layers, ffn " +
         std::to_string(o.hidden_dim) + ".\n";
}

void write_text(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) throw_error(path.string(), ": write failed");
}

}  // namespace

void write_demo_model(const std::string& out_dir, const DemoModelOptions& o) {
  const std::string_view vocab = demo_vocabulary();
  if (vocab.empty()) {
    throw_error(
        "this encore was built without tokenizer/data/bert-base-uncased-vocab.txt, so it "
        "cannot write a demo model");
  }
  std::vector<std::string> labels = o.labels;
  if (labels.empty() && o.architecture == Architecture::kSequenceClassification)
    labels = kEmotionLabels;
  if (labels.empty() && o.architecture == Architecture::kTokenClassification) labels = kNerLabels;
  if (o.architecture == Architecture::kBaseModel) labels.clear();
  const int64_t vocab_size = count_lines(vocab);
  const std::string config = config_json(o, vocab_size, labels);
  // Validate before writing 250 MB: the same checks load_distilbert will make.
  parse_model_config(config, "demo-model options");

  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) throw_error(out_dir, ": cannot create folder: ", ec.message());
  const std::filesystem::path dir(out_dir);

  // Task models put the encoder under "distilbert.", as transformers saves them.
  const std::string p = o.architecture == Architecture::kBaseModel ? "" : "distilbert.";
  TensorSet tensors(o.seed);
  tensors.normal(p + "embeddings.word_embeddings.weight", {vocab_size, o.dim}, 0.05);
  tensors.normal(p + "embeddings.position_embeddings.weight", {o.max_position_embeddings, o.dim},
                 0.02);
  tensors.layer_norm(p + "embeddings.LayerNorm", o.dim);
  for (int64_t i = 0; i < o.n_layers; ++i) {
    const std::string layer = p + "transformer.layer." + std::to_string(i) + ".";
    for (const char* name : {"q_lin", "k_lin", "v_lin", "out_lin"}) {
      tensors.linear(layer + "attention." + name, o.dim, o.dim);
    }
    tensors.layer_norm(layer + "sa_layer_norm", o.dim);
    tensors.linear(layer + "ffn.lin1", o.hidden_dim, o.dim);
    tensors.linear(layer + "ffn.lin2", o.dim, o.hidden_dim);
    tensors.layer_norm(layer + "output_layer_norm", o.dim);
  }
  if (o.architecture == Architecture::kSequenceClassification)
    tensors.linear("pre_classifier", o.dim, o.dim);
  if (!labels.empty())
    tensors.linear("classifier", static_cast<int64_t>(labels.size()), o.dim, 0.2);

  tensors.write((dir / "model.safetensors").string());
  write_text(dir / "config.json", config);
  write_text(dir / "vocab.txt", vocab);
  write_text(dir / "tokenizer_config.json", kTokenizerConfig);
  write_text(dir / "README.md", readme(o));
}

}  // namespace encore::loader
