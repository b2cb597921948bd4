// Text classification post-processing, as transformers' TextClassificationPipeline: a function
// over the logits (softmax / sigmoid / none), then the top_k labels by score.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "encore/encore.h"
#include "loader/model_config.h"

namespace encore::api {

// transformers' default: regression → none; multi-label or a single label → sigmoid; otherwise
// (single-label, or unspecified with several labels) → softmax.
ClassificationFunction default_function(loader::ProblemType problem_type, int64_t num_labels);

// scores[i] = function(logits)[i]; softmax subtracts the maximum first, as numpy does there.
void apply_function(ClassificationFunction function, std::span<const float> logits,
                    std::span<float> scores);

// The `top_k` best labels (all when unset), highest score first; ties keep label order (Python's
// stable sort).
void top_labels(std::span<const float> scores, std::span<const std::string> labels,
                std::optional<size_t> top_k, std::vector<LabelScore>& out);

}  // namespace encore::api
