// A random-weight DistilBERT folder in Hugging Face layout, so a new user can run every encore
// command with no download: config.json, model.safetensors (F32), vocab.txt (the real
// bert-base-uncased vocabulary, embedded in the binary), tokenizer_config.json and a README.md
// saying plainly that the weights are random. Deterministic for a seed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "loader/model_config.h"

namespace encore::loader {

struct DemoModelOptions {
  Architecture architecture = Architecture::kSequenceClassification;
  uint64_t seed = 0;
  // distilbert-base sizes by default.
  int64_t dim = 768;
  int64_t n_heads = 12;
  int64_t n_layers = 6;
  int64_t hidden_dim = 3072;
  int64_t max_position_embeddings = 512;
  // Empty: emotion labels for sequence classification, CoNLL NER labels for token classification.
  std::vector<std::string> labels;
};

// Writes the folder (created if needed; existing files of the same names are replaced). Throws
// encore::Error naming the path on failure or when the options make an invalid config.
void write_demo_model(const std::string& out_dir, const DemoModelOptions& options);

// The embedded vocab.txt (one WordPiece token a line).
std::string_view demo_vocabulary();

}  // namespace encore::loader
