#include "engine/api/classification.h"

#include <algorithm>
#include <cmath>

namespace encore::api {

ClassificationFunction default_function(loader::ProblemType problem_type, int64_t num_labels) {
  using loader::ProblemType;
  if (problem_type == ProblemType::kRegression) return ClassificationFunction::kNone;
  if (problem_type == ProblemType::kMultiLabelClassification || num_labels == 1) {
    return ClassificationFunction::kSigmoid;
  }
  return ClassificationFunction::kSoftmax;
}

void apply_function(ClassificationFunction function, std::span<const float> logits,
                    std::span<float> scores) {
  switch (function) {
    case ClassificationFunction::kNone:
      std::copy(logits.begin(), logits.end(), scores.begin());
      return;
    case ClassificationFunction::kSigmoid:
      for (size_t i = 0; i < logits.size(); ++i) scores[i] = 1.0f / (1.0f + std::exp(-logits[i]));
      return;
    case ClassificationFunction::kSoftmax: {
      if (logits.empty()) return;
      const float max = *std::max_element(logits.begin(), logits.end());
      float sum = 0;
      for (size_t i = 0; i < logits.size(); ++i) sum += scores[i] = std::exp(logits[i] - max);
      for (size_t i = 0; i < logits.size(); ++i) scores[i] /= sum;
      return;
    }
  }
}

void top_labels(std::span<const float> scores, std::span<const std::string> labels,
                std::optional<size_t> top_k, std::vector<LabelScore>& out) {
  out.clear();
  for (size_t i = 0; i < scores.size(); ++i) {
    out.push_back({static_cast<int32_t>(i), labels[i], scores[i]});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const LabelScore& a, const LabelScore& b) { return a.score > b.score; });
  if (top_k && *top_k < out.size()) out.resize(*top_k);
}

}  // namespace encore::api
