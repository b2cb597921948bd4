#include "engine/packed_weights.h"

#include <initializer_list>

namespace encore::engine {
namespace {

// Packs the Linear layers stacked along out_features (one layer packs as itself). The stacked
// copy is a load-time temporary.
PackedLinear pack_stacked(std::initializer_list<const loader::Linear*> parts) {
  const int64_t in_features = (*parts.begin())->weight.cols;
  std::vector<float> weight, bias;
  for (const loader::Linear* part : parts) {
    weight.insert(weight.end(), part->weight.data.begin(), part->weight.data.end());
    bias.insert(bias.end(), part->bias.begin(), part->bias.end());
  }
  const int64_t out_features = static_cast<int64_t>(bias.size());
  return {kernels::PackedB(weight.data(), out_features, in_features, in_features), std::move(bias)};
}

}  // namespace

PackedDistilBert pack_distilbert(const loader::DistilBertWeights& weights) {
  PackedDistilBert packed;
  for (const loader::TransformerLayerWeights& layer : weights.layers) {
    packed.layers.push_back({pack_stacked({&layer.q, &layer.k, &layer.v}),
                             pack_stacked({&layer.out}), pack_stacked({&layer.ffn_in}),
                             pack_stacked({&layer.ffn_out})});
  }
  const loader::Architecture architecture = weights.config.architecture;
  if (architecture == loader::Architecture::kSequenceClassification)
    packed.pre_classifier = pack_stacked({&weights.pre_classifier});
  if (architecture != loader::Architecture::kBaseModel)
    packed.classifier = pack_stacked({&weights.classifier});
  return packed;
}

}  // namespace encore::engine
