// The words of one sequence after BertNormalizer and BertPreTokenizer, ready for WordPiece: the
// normalized text with, for each normalized character, the original character it came from (HF's
// NormalizedString alignments, kept per character instead of per byte).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "tokenizer/scratch_array.h"

namespace encore::tok {

struct Words {
  struct Word {
    // Normalized characters [begin, end); for a special token found in the raw text, the original
    // characters it spans; for an ASCII word, bytes of the original text.
    uint32_t begin = 0, end = 0;
    int32_t special_id = -1;  // >= 0: a special token, not to be split by WordPiece
    // An ASCII word whose normalization is at most lowercasing skips the per-character arrays
    // below: its original characters are its bytes, the first one being character `first_char`.
    bool ascii = false;
    uint32_t first_char = 0;
  };

  ScratchArray<char> text;        // normalized words back to back, UTF-8 (whitespace is dropped)
  ScratchArray<uint32_t> byte;    // per normalized character: its offset in `text`, plus the end
  ScratchArray<uint32_t> origin;  // per normalized character: index of its original character
  std::vector<Word> words;

  void clear() {
    text.clear();
    byte.clear();
    origin.clear();
    words.clear();
  }
  uint32_t char_count() const { return static_cast<uint32_t>(origin.size()); }
  std::string_view bytes(uint32_t begin, uint32_t end) const {  // of normalized chars [begin, end)
    return {text.data() + byte[begin], byte[end] - byte[begin]};
  }
};

}  // namespace encore::tok
