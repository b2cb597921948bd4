// PackedDistilBert — the Linear layers of a DistilBertWeights, packed once into the GEMM panel
// layout (kernels/gemm_packed_b.h). Q, K and V are fused into one [3·dim, dim] GEMM so each layer
// reads its input once for all three projections. Embeddings and LayerNorm parameters are used
// in place from DistilBertWeights.
#pragma once

#include <vector>

#include "kernels/gemm_packed_b.h"
#include "loader/distilbert_weights.h"

namespace encore::engine {

struct PackedLinear {
  kernels::PackedB weight;  // [out_features, in_features]
  std::vector<float> bias;  // [out_features]
  int64_t out_features() const { return weight.n(); }
  int64_t in_features() const { return weight.k(); }
};

struct PackedLayer {
  PackedLinear qkv;  // rows [0, dim) = q_lin, [dim, 2·dim) = k_lin, [2·dim, 3·dim) = v_lin
  PackedLinear out;
  PackedLinear ffn_in;
  PackedLinear ffn_out;
};

struct PackedDistilBert {
  std::vector<PackedLayer> layers;
  PackedLinear pre_classifier;  // sequence classification only
  PackedLinear classifier;      // sequence and token classification
};

PackedDistilBert pack_distilbert(const loader::DistilBertWeights& weights);

}  // namespace encore::engine
