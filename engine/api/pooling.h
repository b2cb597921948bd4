// Feature extraction: one vector per input from the last hidden states, as sentence-transformers'
// Pooling (CLS token, or the mean over real tokens) and Normalize modules.
#pragma once

#include <cstdint>
#include <span>

#include "encore/encore.h"

namespace encore::api {

// `states` is [seq, dim] for one row of the batch and `mask` its attention mask (1 = real
// token). Writes rows × dim values into `out` (rows = 1 when pooled, the real token count for
// Pooling::kTokens; padding rows are never part of the result).
void pool(std::span<const float> states, std::span<const int32_t> mask, int64_t dim,
          Pooling pooling, bool normalize, Embedding& out);

// x / max(|x|₂, 1e-12), per row of `values` ([rows, dim]).
void l2_normalize_rows(std::span<float> values, int64_t dim);

}  // namespace encore::api
