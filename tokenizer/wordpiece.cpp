#include "tokenizer/wordpiece.h"

#include <string_view>

namespace encore::tok {

void WordPiece::tokenize(const Words& words, uint32_t begin, uint32_t end,
                         std::vector<Piece>& out) const {
  if (end - begin > max_chars_) {
    out.push_back({unk_id_, begin, end});
    return;
  }
  const std::string_view text = words.text;
  const size_t first_piece = out.size();
  for (uint32_t start = begin; start < end;) {
    const bool continuation = start > begin;
    const size_t limit = continuation ? vocab_->max_continuation_bytes() : vocab_->max_token_bytes();
    const uint32_t start_byte = words.byte[start];
    // Pieces longer than the longest token cannot match: skip those lookups.
    uint32_t stop = end;
    while (stop > start && words.byte[stop] - start_byte > limit) --stop;
    int32_t id = -1;
    for (; stop > start; --stop) {
      const std::string_view candidate = text.substr(start_byte, words.byte[stop] - start_byte);
      id = continuation ? vocab_->find_continuation(candidate) : vocab_->find(candidate);
      if (id >= 0) break;
    }
    if (id < 0) {
      out.resize(first_piece);
      out.push_back({unk_id_, begin, end});
      return;
    }
    out.push_back({id, start, stop});
    start = stop;
  }
}

}  // namespace encore::tok
