// Token classification post-processing, as transformers' TokenClassificationPipeline
// (gather_pre_entities → aggregate → group_entities → ignore_labels), on tokens already scored.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "encore/encore.h"
#include "encore/tokenizer.h"

namespace encore::api {

// One text token (special tokens are skipped) with its label probabilities.
struct PreEntity {
  std::string_view word;  // the vocabulary token ("##soft"), or the original text for [UNK]
  std::span<const float> scores;
  Offset offset;  // code points of the input text
  int32_t index = 0;
  // The token continues the previous word: its vocabulary text is not as long as the text it
  // covers (a "##" piece), the test transformers uses for word-aware (WordPiece) tokenizers.
  bool is_subword = false;
};

// Runs `aggregation` over `tokens`, groups B-/I- entities unless aggregation is kNone, and drops
// results whose label (or group) is in `ignore_labels`. Words are rebuilt from their pieces as
// the WordPiece decoder does (`continuing_subword_prefix` stripped, cleanup of " ." etc.).
void aggregate_entities(std::span<const PreEntity> tokens, Aggregation aggregation,
                        std::span<const std::string> labels,
                        std::span<const std::string> ignore_labels,
                        std::string_view continuing_subword_prefix, std::vector<Entity>& out);

// Hugging Face's WordPiece decoder (cleanup on): pieces after the first lose the prefix or gain
// a leading space, then " ." → ".", " n't" → "n't", ... per piece.
std::string join_wordpieces(std::span<const std::string_view> pieces,
                            std::string_view continuing_subword_prefix);

}  // namespace encore::api
