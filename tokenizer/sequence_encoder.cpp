#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/utf8.h"

namespace encore::tok {
namespace {

// Where in text[pos, pos + run) the first special token starts (run if none does).
size_t first_special_start(const Tokenizer::Impl& tokenizer, std::string_view text, size_t pos,
                           size_t run) {
  for (size_t i = 1; i < run; ++i) {
    if (tokenizer.special_tokens.match_at(text, pos + i).length > 0) return i;
  }
  return run;
}

}  // namespace

void SequenceEncoder::split_and_normalize(const Tokenizer::Impl& tokenizer,
                                          std::string_view text, std::string_view what) {
  words_.clear();
  char_byte_.clear();
  normalizer_.start(tokenizer.normalizer, words_);
  const bool has_special_tokens = !tokenizer.special_tokens.empty();
  uint32_t char_index = 0;
  for (size_t pos = 0; pos < text.size();) {
    if (has_special_tokens) {
      const SpecialTokenMatcher::Match match = tokenizer.special_tokens.match_at(text, pos);
      if (match.length > 0) {
        normalizer_.end_piece();
        const uint32_t first_char = char_index;
        for (size_t i = pos; i < pos + match.length; ++i) {
          if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {  // a character starts here
            char_byte_.push_back(static_cast<uint32_t>(i));
            ++char_index;
          }
        }
        words_.words.push_back({first_char, char_index, match.id});
        pos += match.length;
        continue;
      }
    }
    // Runs of ASCII letters and digits, most of most texts, skip the per-character path.
    if (const size_t run = normalizer_.ascii_run_length(text.substr(pos)); run > 1) {
      const size_t stop = has_special_tokens ? first_special_start(tokenizer, text, pos, run) : run;
      if (stop > 1) {
        normalizer_.add_ascii_run(text.substr(pos, stop), char_index);
        char_byte_.reserve_more(stop);
        uint32_t* char_byte = char_byte_.extend_unchecked(stop);
        for (uint32_t i = 0; i < stop; ++i) char_byte[i] = static_cast<uint32_t>(pos) + i;
        char_index += static_cast<uint32_t>(stop);
        pos += stop;
        continue;
      }
    }
    char32_t c;
    const size_t length = decode_utf8(text, pos, c);
    if (length == 0) throw_invalid_utf8(what, text, pos);
    char_byte_.push_back(static_cast<uint32_t>(pos));
    normalizer_.add(c, char_index++);
    pos += length;
  }
  normalizer_.end_piece();
  char_byte_.push_back(static_cast<uint32_t>(text.size()));
  words_.byte.push_back(static_cast<uint32_t>(words_.text.size()));
}

void SequenceEncoder::encode(const Tokenizer::Impl& tokenizer, std::string_view text,
                             std::string_view what, SequenceTokens& out) {
  out.clear();
  split_and_normalize(tokenizer, text, what);
  const auto& words = words_.words;
  for (size_t w = 0; w < words.size(); ++w) {
    const Words::Word& word = words[w];
    if (word.special_id >= 0) {
      out.ids.push_back(word.special_id);
      out.offsets.push_back({word.begin, word.end});
      out.byte_offsets.push_back({char_byte_[word.begin], char_byte_[word.end]});
      out.word_ids.push_back(static_cast<int32_t>(w));
      out.is_special.push_back(1);
      continue;
    }
    pieces_.clear();
    tokenizer.wordpiece.tokenize(words_, word.begin, word.end, pieces_);
    for (const Piece& piece : pieces_) {
      // HF maps a normalized range back through its first and last characters' alignments.
      const uint32_t first = words_.origin[piece.begin];
      const uint32_t last = words_.origin[piece.end - 1] + 1;
      out.ids.push_back(piece.id);
      out.offsets.push_back({first, last});
      out.byte_offsets.push_back({char_byte_[first], char_byte_[last]});
      out.word_ids.push_back(static_cast<int32_t>(w));
      out.is_special.push_back(0);
    }
  }
}

}  // namespace encore::tok
