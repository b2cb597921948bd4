#include "engine/api/ranking.h"

#include <algorithm>
#include <cmath>

#include "engine/api/classification.h"

namespace encore::api {

float rank_score(std::span<const float> logits, bool raw_scores) {
  if (raw_scores) return logits.back();
  if (logits.size() == 1) {
    float score;
    apply_function(ClassificationFunction::kSigmoid, logits, {&score, 1});
    return score;
  }
  std::vector<float> probabilities(logits.size());
  apply_function(ClassificationFunction::kSoftmax, logits, probabilities);
  return probabilities.back();
}

void sort_by_score(std::vector<RankScore>& scores) {
  std::stable_sort(scores.begin(), scores.end(),
                   [](const RankScore& a, const RankScore& b) { return a.score > b.score; });
}

}  // namespace encore::api
