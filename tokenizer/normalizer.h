// BertNormalizer and BertPreTokenizer of HF tokenizers, fused into one pass over the characters
// of a piece of text (the text between special tokens):
//   clean_text     drop NUL, U+FFFD and controls; whitespace becomes ' '
//   chinese chars  surrounded by spaces, so each is a word
//   strip_accents  NFD (with canonical reordering of combining marks), then drop Mn
//   lowercase      Rust's char::to_lowercase, which may give several characters
// then whitespace ends a word and each punctuation character is a word of its own. Every
// normalized character remembers its original character exactly as HF's alignments would.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "tokenizer/unicode.h"
#include "tokenizer/words.h"

namespace encore::tok {

struct NormalizerOptions {
  bool clean_text = true;
  bool handle_chinese_chars = true;
  bool strip_accents = true;
  bool lowercase = true;
  friend bool operator==(const NormalizerOptions&, const NormalizerOptions&) = default;
};

class Normalizer {
 public:
  // Starts a sequence. The Normalizer is meant to be reused (it keeps its buffers' capacity).
  void start(const NormalizerOptions& options, Words& out);

  // One original character, `origin` being its index in the original text.
  void add(char32_t c, uint32_t origin);
  // Length of the run of ASCII word characters (letters, digits: kept as they are or lowercased)
  // at the start of `bytes`; add_ascii_run() takes such a run in one go.
  size_t ascii_run_length(std::string_view bytes) const {
    if (!pending_.empty()) return 0;
    size_t n = 0;
    while (n < bytes.size() && is_ascii_word_byte(static_cast<unsigned char>(bytes[n]))) ++n;
    return n;
  }
  void add_ascii_run(std::string_view run, uint32_t first_origin);
  // Ends the piece: flushes marks waiting to be reordered and closes the current word.
  void end_piece();

  // ASCII, most of most texts, takes one table lookup: what the whole pipeline does with it
  // (no ASCII character decomposes, is a mark or a Chinese character).
  enum AsciiAction : uint8_t { kDrop = 0, kSpace = 1, kIsolate = 2, kKeep = 3 };
  AsciiAction ascii_action(unsigned char byte) const { return ascii_[byte].action; }
  // An ASCII character kept as it is or lowercased (kKeep); false for every byte >= 128.
  bool is_ascii_word_byte(unsigned char byte) const { return ascii_word_byte_[byte]; }
  // No word is open and no mark waits: what comes next starts afresh.
  bool at_word_boundary() const { return !in_word_ && pending_.empty(); }
  // At a word boundary, the caller handled original characters up to `last_origin` itself
  // (ASCII words that need nothing but lowercasing, ASCII whitespace).
  void skip_to(uint32_t last_origin) { last_origin_ = last_origin; }

 private:
  struct PendingMark {
    char32_t c;
    uint8_t combining_class;
    bool inserted;  // not the first character of its source's decomposition
  };

  void decompose_and_strip(char32_t c, uint32_t origin);
  void flush_pending();
  void strip_and_continue(char32_t c, uint32_t origin);
  void lowercase_and_emit(char32_t c, uint32_t origin);
  void emit(char32_t c, uint32_t origin);
  void append(char32_t c, uint32_t origin);
  void close_word();
  void build_ascii_actions();

  struct Ascii {
    AsciiAction action;
    char normalized;
  };
  std::array<Ascii, 128> ascii_{};
  std::array<bool, 256> ascii_word_byte_{};
  bool ascii_built_ = false;

  const CharFlagTable* flags_ = nullptr;
  NormalizerOptions options_;
  Words* out_ = nullptr;
  bool in_word_ = false;
  // NFD's canonical reordering: combining marks wait here until the next starter.
  std::vector<PendingMark> pending_;
  std::vector<uint32_t> pending_sources_;
  uint32_t last_origin_ = 0;
};

}  // namespace encore::tok
