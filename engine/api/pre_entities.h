// Turns one encoded text and its per-token probabilities into the PreEntity list that
// entity_aggregation.h consumes (transformers' gather_pre_entities for a fast WordPiece tokenizer).
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "encore/tokenizer.h"
#include "engine/api/entity_aggregation.h"

namespace encore::api {

// `probabilities` is [encoding.size(), num_labels]; the PreEntities view it, the tokenizer's
// vocabulary and `text`, so all three must outlive them.
void gather_pre_entities(std::string_view text, const Encoding& encoding,
                         const Tokenizer& tokenizer, std::span<const float> probabilities,
                         size_t num_labels, std::vector<PreEntity>& out);

}  // namespace encore::api
