#include "tokenizer/special_tokens.h"

#include <algorithm>

namespace encore::tok {

void SpecialTokenMatcher::add(std::string_view content, int32_t id) {
  if (content.empty()) return;
  for (Token& token : tokens_) {
    if (token.content == content) {
      token.id = id;
      return;
    }
  }
  tokens_.push_back({std::string(content), id});
  std::stable_sort(tokens_.begin(), tokens_.end(), [](const Token& a, const Token& b) {
    return a.content.size() > b.content.size();
  });
  const auto first = static_cast<unsigned char>(content[0]);
  first_bytes_[first >> 6] |= uint64_t{1} << (first & 63);
  const bool ascii_letter_or_digit =
      (first >= '0' && first <= '9') || ((first | 0x20) >= 'a' && (first | 0x20) <= 'z');
  if (ascii_letter_or_digit || first < 0x20 || first == 0x7F) may_start_inside_ascii_word_ = true;
}

SpecialTokenMatcher::Match SpecialTokenMatcher::match_slow(std::string_view text,
                                                           size_t pos) const {
  const std::string_view rest = text.substr(pos);
  for (const Token& token : tokens_) {
    if (rest.starts_with(token.content)) return {token.content.size(), token.id};
  }
  return {};
}

}  // namespace encore::tok
