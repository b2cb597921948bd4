// How many tokens of each sequence survive truncation, reproducing HF tokenizers 0.23
// (truncate_encodings, direction right, stride 0), including how longest_first shares the room
// between a pair. Established against HF on random lengths; see README.md.
#pragma once

#include <cstddef>

#include "encore/tokenizer.h"

namespace encore::tok {

struct KeptLengths {
  size_t first = 0, second = 0;
};

// `max_length` counts `added_tokens` (the template's specials, 0 when they are not added);
// `second` is 0 and `has_pair` false for a single text. Throws encore::Error where HF fails
// (only_first/only_second cannot remove enough) and when max_length < added_tokens.
KeptLengths truncate_lengths(size_t first, size_t second, bool has_pair, size_t max_length,
                             size_t added_tokens, TruncationStrategy strategy);

}  // namespace encore::tok
