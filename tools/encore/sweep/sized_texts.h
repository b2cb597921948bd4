// Texts that tokenize to exactly N tokens ([CLS] and [SEP] included), so the end-to-end sweep
// sends real text yet measures the sequence length it names: whole words drawn from the
// vocabulary, each one token, checked by encoding.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "encore/tokenizer.h"

namespace encore::cli::sweep {

class SizedTexts {
 public:
  explicit SizedTexts(const Tokenizer& tokenizer);

  // A text of `tokens` tokens (≥ 3: [CLS], a word, [SEP]); `seed` picks the words. Throws
  // encore::Error when the tokenizer does not give exactly that many.
  std::string make(int tokens, uint32_t seed) const;
  // `count` different texts of `tokens` tokens each.
  std::vector<std::string> make_batch(int tokens, int count) const;

 private:
  const Tokenizer& tokenizer_;
  std::vector<std::string> words_;  // vocabulary entries that are whole lowercase ASCII words
};

}  // namespace encore::cli::sweep
