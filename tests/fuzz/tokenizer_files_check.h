// Shared by the fuzz targets of the tokenizer files (vocab.txt, tokenizer.json,
// tokenizer_config.json): a tokenizer that loaded must encode any text without crashing, and what
// it says about its special tokens and encodings must hang together.
#pragma once

#include <cstdlib>
#include <string_view>

#include "encore/tokenizer.h"
#include "support/error.h"

namespace encore::fuzz {

inline void check(bool condition) {
  if (!condition) std::abort();
}

inline void check_encoding(const Tokenizer& tokenizer, const Encoding& e, size_t max_length) {
  const size_t n = e.ids.size();
  check(e.type_ids.size() == n && e.attention_mask.size() == n &&
        e.special_tokens_mask.size() == n && e.offsets.size() == n && e.word_ids.size() == n);
  check(n >= 2 && e.ids.front() == tokenizer.cls_id() && e.ids.back() == tokenizer.sep_id());
  if (max_length >= 2) check(n <= max_length);
  for (const int32_t id : e.ids) check(id >= 0);
}

// Encodes a fixed text and `text` (refused only when it is not UTF-8), without and with truncation.
inline void check_loaded_tokenizer(const Tokenizer& tokenizer, std::string_view text) {
  // Every required special token was found, so it maps back to itself.
  check(tokenizer.id_to_token(tokenizer.cls_id()) == tokenizer.config().cls_token);
  check(tokenizer.id_to_token(tokenizer.sep_id()) == tokenizer.config().sep_token);
  check(tokenizer.id_to_token(tokenizer.unk_id()) == tokenizer.config().unk_token);
  check(tokenizer.model_max_length() >= 1);
  Encoding encoding;
  for (const std::string_view input :
       {std::string_view("Hello, [MASK] world! unaffable café 中文"), text}) {
    for (const size_t max_length : {size_t{0}, size_t{6}}) {
      EncodeOptions options;
      options.max_length = max_length;
      try {
        tokenizer.encode(input, options, encoding);
      } catch (const Error&) {
        continue;  // invalid UTF-8 in the fuzz text
      }
      check_encoding(tokenizer, encoding, max_length);
    }
  }
}

}  // namespace encore::fuzz
