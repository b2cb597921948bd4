#include "tokenizer/wordpiece.h"

#include <string_view>

namespace encore::tok {
namespace {

// The characters of an ASCII word: one byte each.
struct AsciiCharacters {
  std::string_view word;
  std::string_view bytes(uint32_t begin, uint32_t end) const {
    return {word.data() + begin, end - begin};
  }
};

}  // namespace

// The longest vocabulary piece that characters [start, end) begin with: walks the
// vocabulary one character at a time and stops when no token continues. Returns the id (-1
// when no piece matches) and sets `match_end`.
template <typename Characters>
int32_t WordPiece::longest_piece(const Characters& characters, uint32_t start, uint32_t end,
                                 bool continuation, uint32_t& match_end) const {
  // Most words are a token as a whole: one exact lookup settles them.
  const std::string_view rest = characters.bytes(start, end);
  if (rest.size() <= vocab_->max_key_bytes()) {
    const int32_t id = continuation ? vocab_->find_continuation(rest) : vocab_->find(rest);
    if (id >= 0) {
      match_end = end;
      return id;
    }
  }
  uint64_t state = Vocab::root(continuation);
  int32_t best = -1;
  for (uint32_t stop = start; stop < end; ++stop) {
    state = Vocab::extend(state, characters.bytes(stop, stop + 1));
    const Vocab::Probe probe = vocab_->probe(state);
    if (!probe.is_prefix) break;
    if (probe.id >= 0) {
      best = probe.id;
      match_end = stop + 1;
    }
  }
  if (best < 0) return -1;
  if (vocab_->is_key_of(characters.bytes(start, match_end), best, continuation)) return best;
  // A 64-bit hash collision misled the walk: try every length, longest first, exactly.
  for (match_end = end; match_end > start; --match_end) {
    const std::string_view candidate = characters.bytes(start, match_end);
    const int32_t id =
        continuation ? vocab_->find_continuation(candidate) : vocab_->find(candidate);
    if (id >= 0) return id;
  }
  return -1;
}

template <typename Characters>
size_t WordPiece::tokenize_characters(const Characters& characters, uint32_t begin, uint32_t end,
                                      Piece* out) const {
  if (end - begin > max_chars_) {
    out[0] = {unk_id_, begin, end};
    return 1;
  }
  size_t count = 0;
  for (uint32_t start = begin; start < end;) {
    uint32_t stop = start;
    const int32_t id = longest_piece(characters, start, end, start > begin, stop);
    if (id < 0) {  // a position no piece matches: the whole word is unknown
      out[0] = {unk_id_, begin, end};
      return 1;
    }
    out[count++] = {id, start, stop};
    start = stop;
  }
  return count;
}

size_t WordPiece::tokenize(const Words& words, uint32_t begin, uint32_t end, Piece* out) const {
  return tokenize_characters(words, begin, end, out);
}

size_t WordPiece::tokenize_ascii(std::string_view word, Piece* out) const {
  return tokenize_characters(AsciiCharacters{word}, 0, static_cast<uint32_t>(word.size()), out);
}

}  // namespace encore::tok
