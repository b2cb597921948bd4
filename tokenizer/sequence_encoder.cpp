#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/utf8.h"

namespace encore::tok {
namespace {

// Where in text[pos, pos + run), a run of ASCII letters and digits, the first special token
// starts (run if none does).
size_t first_special_start(const Tokenizer::Impl& tokenizer, std::string_view text, size_t pos,
                           size_t run) {
  if (!tokenizer.special_tokens.may_start_inside_ascii_word()) return run;
  for (size_t i = 1; i < run; ++i) {
    if (tokenizer.special_tokens.match_at(text, pos + i).length > 0) return i;
  }
  return run;
}

// ASCII lowercasing of every byte (bytes of multi-byte characters are left alone).
void lowercase_ascii(std::string_view text, ScratchArray<char>& out) {
  out.clear();
  out.reserve_more(text.size());
  char* __restrict lowered = out.extend_unchecked(text.size());
  const char* __restrict source = text.data();
  for (size_t i = 0; i < text.size(); ++i) {  // branch-free: the compiler vectorizes it
    const auto c = static_cast<unsigned char>(source[i]);
    lowered[i] = static_cast<char>(c + (static_cast<unsigned char>(c - 'A') < 26 ? 32 : 0));
  }
}

}  // namespace

// At a word boundary, ASCII words (letters and digits up to whitespace, punctuation, a special
// token or the end of the text), ASCII punctuation and ASCII whitespace need no normalization but
// lowercasing, and their original characters are their bytes: each word becomes a Word of
// original bytes, skipping the normalizer's per-character work. Takes as many as come; returns
// the bytes taken. Stops where the normalizer must see the text: a non-ASCII character, a
// dropped control character, a special token, or a word that may go on past its ASCII letters
// ("abc\x01d" is one word, "abcé" too).
size_t SequenceEncoder::take_ascii_words(const Tokenizer::Impl& tokenizer, std::string_view text,
                                         size_t pos, uint32_t char_index) {
  const size_t size = text.size();
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const uint32_t first_char_minus_pos = char_index - static_cast<uint32_t>(pos);
  size_t p = pos;
  while (p < size) {
    const unsigned char byte = bytes[p];
    if (byte >= 128 || tokenizer.special_tokens.match_at(text, p).length > 0) break;
    const Normalizer::AsciiAction action = normalizer_.ascii_action(byte);
    if (action == Normalizer::kSpace) {
      ++p;
      continue;
    }
    if (action == Normalizer::kDrop) break;
    size_t end = p + 1;
    if (action == Normalizer::kKeep) {
      while (end < size && normalizer_.is_ascii_word_byte(bytes[end])) ++end;
      const size_t run = end - p;
      end = p + first_special_start(tokenizer, text, p, run);
      if (end == p + run && end < size &&
          (bytes[end] >= 128 || normalizer_.ascii_action(bytes[end]) == Normalizer::kDrop)) {
        break;
      }
    }
    words_.words.push_back({static_cast<uint32_t>(p), static_cast<uint32_t>(end), -1, true,
                            first_char_minus_pos + static_cast<uint32_t>(p)});
    p = end;
  }
  if (p > pos) normalizer_.skip_to(first_char_minus_pos + static_cast<uint32_t>(p) - 1);
  return p - pos;
}

// Characters taken by take_ascii_words() are one byte each and need no entry in char_byte_
// unless a later character does: entries are written when needed, for every character before
// `char_index`, the character at byte `pos`.
void SequenceEncoder::fill_char_bytes(uint32_t char_index, size_t pos) {
  const size_t filled = char_byte_.size();
  if (filled == char_index) return;
  const size_t missing = char_index - filled;
  char_byte_.reserve_more(missing + 1);
  uint32_t* __restrict char_byte = char_byte_.extend_unchecked(missing);
  const auto first_byte = static_cast<uint32_t>(pos - missing);
  for (uint32_t i = 0; i < missing; ++i) char_byte[i] = first_byte + i;
}

void SequenceEncoder::split_and_normalize(const Tokenizer::Impl& tokenizer, std::string_view text,
                                          std::string_view what) {
  words_.clear();
  char_byte_.clear();
  normalizer_.start(tokenizer.normalizer, words_);
  if (tokenizer.normalizer.lowercase) lowercase_ascii(text, lowered_);
  const bool has_special_tokens = !tokenizer.special_tokens.empty();
  uint32_t char_index = 0;
  for (size_t pos = 0; pos < text.size();) {
    if (static_cast<unsigned char>(text[pos]) < 128 && normalizer_.at_word_boundary()) {
      if (const size_t taken = take_ascii_words(tokenizer, text, pos, char_index); taken > 0) {
        char_index += static_cast<uint32_t>(taken);
        pos += taken;
        if (pos == text.size()) break;
      }
    }
    if (has_special_tokens) {
      const SpecialTokenMatcher::Match match = tokenizer.special_tokens.match_at(text, pos);
      if (match.length > 0) {
        normalizer_.end_piece();
        fill_char_bytes(char_index, pos);
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
    // Runs of ASCII letters and digits inside a word skip the per-character path.
    if (const size_t run = normalizer_.ascii_run_length(text.substr(pos)); run > 1) {
      const size_t stop = first_special_start(tokenizer, text, pos, run);
      if (stop > 1) {
        normalizer_.add_ascii_run(text.substr(pos, stop), char_index);
        fill_char_bytes(char_index + static_cast<uint32_t>(stop), pos + stop);
        char_index += static_cast<uint32_t>(stop);
        pos += stop;
        continue;
      }
    }
    char32_t c;
    const size_t length = decode_utf8(text, pos, c);
    if (length == 0) throw_invalid_utf8(what, text, pos);
    fill_char_bytes(char_index, pos);
    char_byte_.push_back(static_cast<uint32_t>(pos));
    normalizer_.add(c, char_index++);
    pos += length;
  }
  normalizer_.end_piece();
  if (!char_byte_.empty()) {  // some word reads it
    fill_char_bytes(char_index, text.size());
    char_byte_.push_back(static_cast<uint32_t>(text.size()));
  }
  words_.byte.push_back(static_cast<uint32_t>(words_.text.size()));
}

void SequenceEncoder::encode(const Tokenizer::Impl& tokenizer, std::string_view text,
                             std::string_view what, SequenceTokens& out) {
  out.clear();
  split_and_normalize(tokenizer, text, what);
  // A token holds at least one character of its word, normalized (at most the normalized
  // characters) or original (ASCII words and special tokens: at most the bytes of the text).
  const size_t max_tokens = words_.char_count() + text.size();
  out.reserve_more(max_tokens);
  pieces_.reserve_more(max_tokens);
  const std::string_view ascii_normalized = tokenizer.normalizer.lowercase ? view(lowered_) : text;
  const auto& words = words_.words;
  for (size_t w = 0; w < words.size(); ++w) {
    const Words::Word& word = words[w];
    const auto word_id = static_cast<int32_t>(w);
    if (word.special_id >= 0) {
      out.push_unchecked(word.special_id, {word.begin, word.end},
                         {char_byte_[word.begin], char_byte_[word.end]}, word_id, true);
      continue;
    }
    Piece* pieces = pieces_.data();
    if (word.ascii) {
      const size_t count = tokenizer.wordpiece.tokenize_ascii(
          ascii_normalized.substr(word.begin, word.end - word.begin), pieces);
      for (size_t i = 0; i < count; ++i) {
        const Piece& piece = pieces[i];
        out.push_unchecked(piece.id, {word.first_char + piece.begin, word.first_char + piece.end},
                           {word.begin + piece.begin, word.begin + piece.end}, word_id, false);
      }
      continue;
    }
    const size_t count = tokenizer.wordpiece.tokenize(words_, word.begin, word.end, pieces);
    for (size_t i = 0; i < count; ++i) {
      const Piece& piece = pieces[i];
      // HF maps a normalized range back through its first and last characters' alignments.
      const uint32_t first = words_.origin[piece.begin];
      const uint32_t last = words_.origin[piece.end - 1] + 1;
      out.push_unchecked(piece.id, {first, last}, {char_byte_[first], char_byte_[last]}, word_id,
                         false);
    }
  }
}

}  // namespace encore::tok
