// Finds special tokens ([CLS], [SEP], [MASK], ...) in raw text, before any normalization, the way
// HF's AddedVocabulary does for tokens with normalized=false: exact, case-sensitive bytes,
// leftmost-longest. A 256-bit set of first bytes makes the common "no token starts here" one test.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace encore::tok {

class SpecialTokenMatcher {
 public:
  void add(std::string_view content, int32_t id);

  struct Match {
    size_t length = 0;  // bytes; 0 = no match
    int32_t id = -1;
  };
  // The longest special token starting at text[pos].
  Match match_at(std::string_view text, size_t pos) const {
    if (!(first_bytes_[static_cast<unsigned char>(text[pos]) >> 6] >>
          (static_cast<unsigned char>(text[pos]) & 63) & 1)) {
      return {};
    }
    return match_slow(text, pos);
  }
  bool empty() const { return tokens_.empty(); }
  // Whether a token may start in the middle of a run of ASCII letters and digits (one starting
  // with a letter, a digit or a control character); BERT's ("[CLS]", ...) cannot.
  bool may_start_inside_ascii_word() const { return may_start_inside_ascii_word_; }

 private:
  Match match_slow(std::string_view text, size_t pos) const;
  struct Token {
    std::string content;
    int32_t id;
  };
  std::vector<Token> tokens_;  // longest first
  std::array<uint64_t, 4> first_bytes_{};
  bool may_start_inside_ascii_word_ = false;
};

}  // namespace encore::tok
