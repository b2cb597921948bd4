// ModelConfig — the fields of a Hugging Face DistilBERT `config.json` that encore uses, validated.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace encore::loader {

enum class Architecture {
  kSequenceClassification,  // DistilBertForSequenceClassification (also used for ranking)
  kTokenClassification,     // DistilBertForTokenClassification
  kBaseModel,               // DistilBertModel (feature extraction)
};

enum class ProblemType {
  kUnspecified,                // transformers' default: softmax when num_labels > 1, else none
  kSingleLabelClassification,  // softmax
  kMultiLabelClassification,   // sigmoid
  kRegression,                 // none
};

struct ModelConfig {
  Architecture architecture = Architecture::kBaseModel;
  std::string architecture_name;  // as written in config.json
  int64_t vocab_size = 0;
  int64_t dim = 0;
  int64_t n_layers = 0;
  int64_t n_heads = 0;
  int64_t hidden_dim = 0;
  int64_t max_position_embeddings = 0;
  int64_t pad_token_id = 0;
  bool sinusoidal_pos_embds = false;
  std::string activation = "gelu";      // "gelu" or "relu"
  std::vector<std::string> labels;      // id2label in id order; empty for the base model
  ProblemType problem_type = ProblemType::kUnspecified;

  int64_t num_labels() const { return static_cast<int64_t>(labels.size()); }
  int64_t head_dim() const { return dim / n_heads; }
};

// Reads and validates `<model_dir>/config.json`. Throws encore::Error naming the file and field
// (missing field, wrong type, dim not divisible by n_heads, unknown architecture, ...).
ModelConfig load_model_config(const std::string& model_dir);

// Parses config.json text; `source` names it in errors.
ModelConfig parse_model_config(std::string_view json, const std::string& source);

}  // namespace encore::loader
