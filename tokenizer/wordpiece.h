// WordPiece as HF implements it: greedy longest match from the start of the word, the rest of
// the word continuing with "##" pieces; a word longer than max_input_chars_per_word (normalized
// characters), or with a position no piece matches, becomes a single [UNK].
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tokenizer/vocab.h"
#include "tokenizer/words.h"

namespace encore::tok {

struct Piece {
  int32_t id;
  uint32_t begin, end;  // characters of the word (normalized characters, or bytes of an ASCII word)
};

class WordPiece {
 public:
  WordPiece(const Vocab& vocab, int32_t unk_id, size_t max_input_chars_per_word)
      : vocab_(&vocab), unk_id_(unk_id), max_chars_(max_input_chars_per_word) {}

  // Writes the pieces of normalized characters [begin, end) of `words` to `out`, which has room
  // for end - begin pieces (a piece holds at least one character); returns their count.
  size_t tokenize(const Words& words, uint32_t begin, uint32_t end, Piece* out) const;
  // The same for an ASCII word (one byte per character): offsets are bytes of `word`, and `out`
  // has room for word.size() pieces.
  size_t tokenize_ascii(std::string_view word, Piece* out) const;

 private:
  template <typename Characters>
  size_t tokenize_characters(const Characters& characters, uint32_t begin, uint32_t end,
                             Piece* out) const;
  template <typename Characters>
  int32_t longest_piece(const Characters& characters, uint32_t start, uint32_t end,
                        bool continuation, uint32_t& match_end) const;
  const Vocab* vocab_;
  int32_t unk_id_;
  size_t max_chars_;
};

}  // namespace encore::tok
