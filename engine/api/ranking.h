// Ranking: one relevance score per (query, passage) pair from a sequence-classification head.
// TEI's /rerank accepts only one-label heads and returns sigmoid(logit) (the logit with
// raw_scores). encore also accepts several labels and scores with the last one, the "relevant"
// class of binary cross-encoders: its softmax probability, or its logit when raw.
#pragma once

#include <span>
#include <vector>

#include "encore/encore.h"

namespace encore::api {

float rank_score(std::span<const float> logits, bool raw_scores);

// Sorts best first; equal scores keep request order.
void sort_by_score(std::vector<RankScore>& scores);

}  // namespace encore::api
