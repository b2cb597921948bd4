// How many tokens of each sequence survive truncation, reproducing HF tokenizers 0.23
// (truncate_encodings, direction right, stride 0), including how longest_first shares the room
// between a pair. Established against HF on random lengths and the golden set; see README.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "encore/tokenizer.h"

namespace encore::tok {

struct KeptLengths {
  size_t first = 0, second = 0;
};

// The length HF's truncation sees for a text: HF stops encoding once it holds max_length tokens,
// checking the count only at the end of an ordinary word (never after a special token found in
// the text, though those count), so longer texts count as about that many tokens — which decides
// which of a pair is "longer". `word_ids` and `is_special` have one entry per token.
size_t encoded_length(std::span<const int32_t> word_ids, std::span<const uint8_t> is_special,
                      size_t max_length);

// `first` and `second` are encoded_length()s. `max_length` counts `added_tokens` (the template's specials, 0 when they are not added);
// `second` is 0 and `has_pair` false for a single text. Throws encore::Error where HF fails
// (only_first/only_second cannot remove enough). When max_length < added_tokens, HF's room
// (an unsigned max_length - added_tokens) wraps around and nothing more is cut: the result then
// holds the encoded_length()s plus the specials, more than max_length; encore does the same.
KeptLengths truncate_lengths(size_t first, size_t second, bool has_pair, size_t max_length,
                             size_t added_tokens, TruncationStrategy strategy);

}  // namespace encore::tok
