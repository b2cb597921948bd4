// Helpers for tests that compare loaded weights or build variant checkpoints from the vendored one.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "loader/distilbert_weights.h"
#include "loader/safetensors.h"
#include "loader/safetensors_writer.h"
#include "loader_test_util.h"
#include "support/mapped_file.h"

namespace encore::test {

// Every tensor of loaded weights under its Hugging Face name without the "distilbert." prefix.
inline std::vector<std::pair<std::string, std::span<const float>>> named_tensors(
    const loader::DistilBertWeights& w) {
  std::vector<std::pair<std::string, std::span<const float>>> out;
  auto linear = [&](const std::string& name, const loader::Linear& l) {
    out.emplace_back(name + ".weight", l.weight.data);
    out.emplace_back(name + ".bias", l.bias);
  };
  auto norm = [&](const std::string& name, const loader::LayerNormWeights& n) {
    out.emplace_back(name + ".weight", n.gamma);
    out.emplace_back(name + ".bias", n.beta);
  };
  out.emplace_back("embeddings.word_embeddings.weight", w.word_embeddings.data);
  out.emplace_back("embeddings.position_embeddings.weight", w.position_embeddings.data);
  norm("embeddings.LayerNorm", w.embeddings_layer_norm);
  for (size_t i = 0; i < w.layers.size(); ++i) {
    const std::string p = "transformer.layer." + std::to_string(i) + ".";
    const loader::TransformerLayerWeights& layer = w.layers[i];
    linear(p + "attention.q_lin", layer.q);
    linear(p + "attention.k_lin", layer.k);
    linear(p + "attention.v_lin", layer.v);
    linear(p + "attention.out_lin", layer.out);
    norm(p + "sa_layer_norm", layer.sa_layer_norm);
    linear(p + "ffn.lin1", layer.ffn_in);
    linear(p + "ffn.lin2", layer.ffn_out);
    norm(p + "output_layer_norm", layer.output_layer_norm);
  }
  if (!w.pre_classifier.bias.empty()) linear("pre_classifier", w.pre_classifier);
  if (!w.classifier.bias.empty()) linear("classifier", w.classifier);
  return out;
}

// A tensor to rewrite: the caller may rename it, change its dtype (then fill `bytes` with data it
// owns) or drop it (empty name).
struct RewrittenTensor {
  std::string name;
  loader::DType dtype;
  std::vector<int64_t> shape;
  std::span<const std::byte> bytes;
};

// Writes a copy of the safetensors file `from` to `to`, passing each tensor through `edit`.
inline void rewrite_safetensors(const std::string& from, const std::string& to,
                                const std::function<void(RewrittenTensor&)>& edit) {
  MappedFile source(from);
  std::vector<loader::TensorToWrite> tensors;
  for (const loader::TensorView& view : loader::parse_safetensors(source.bytes(), from)) {
    RewrittenTensor t{view.name, view.dtype, view.shape, view.bytes};
    edit(t);
    if (!t.name.empty()) tensors.push_back({t.name, t.dtype, t.shape, t.bytes});
  }
  loader::write_safetensors(to, tensors);
}

}  // namespace encore::test
