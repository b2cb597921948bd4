// DistilBertWeights — every tensor of a DistilBERT checkpoint as fp32, with shapes checked against
// the config. F32 tensors are read in place from the mmap when aligned; F16/BF16 (or unaligned F32)
// are converted once into storage owned by this object.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "loader/model_config.h"

namespace encore::loader {

// A row-major fp32 matrix [rows, cols] (a vector has rows == 1).
struct Matrix {
  std::span<const float> data;
  int64_t rows = 0;
  int64_t cols = 0;
};

// Linear layers keep PyTorch's layout: weight [out_features, in_features], y = x·Wᵀ + b.
struct Linear {
  Matrix weight;
  std::span<const float> bias;
};

struct LayerNormWeights {
  std::span<const float> gamma;
  std::span<const float> beta;
};

struct TransformerLayerWeights {
  Linear q, k, v, out;            // attention.{q,k,v,out}_lin
  LayerNormWeights sa_layer_norm;  // after attention + residual
  Linear ffn_in, ffn_out;          // ffn.lin1 [hidden_dim, dim], ffn.lin2 [dim, hidden_dim]
  LayerNormWeights output_layer_norm;
};

struct DistilBertWeights {
  ModelConfig config;
  Matrix word_embeddings;      // [vocab_size, dim]
  Matrix position_embeddings;  // [max_position_embeddings, dim]
  LayerNormWeights embeddings_layer_norm;
  std::vector<TransformerLayerWeights> layers;
  // Heads, present according to config.architecture:
  Linear pre_classifier;  // sequence classification: [dim, dim]
  Linear classifier;      // sequence: [num_labels, dim]; token: [num_labels, dim]

  // Keeps the mmaps and converted buffers alive for the spans above.
  std::shared_ptr<const void> storage;
};

// Loads `<model_dir>/config.json` and `model.safetensors` (or the shards named by
// `model.safetensors.index.json`). Accepts tensor names with or without the `distilbert.` prefix.
// Throws encore::Error naming the file and tensor for any problem; a folder with only
// `pytorch_model.bin` gets an error that says how to convert it.
DistilBertWeights load_distilbert(const std::string& model_dir);

}  // namespace encore::loader
