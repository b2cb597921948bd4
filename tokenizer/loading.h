// Reading the Hugging Face tokenizer files: vocab.txt, tokenizer.json (WordPiece model,
// BertNormalizer, BertPreTokenizer, added tokens, template), tokenizer_config.json. Each
// function names the file in its errors.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "encore/tokenizer.h"
#include "tokenizer/vocab.h"

namespace encore::tok {

struct AddedToken {
  std::string content;
  int32_t id;
};

// One token per line, id = line number; trailing whitespace is trimmed, as HF does.
void read_vocab_txt(std::string_view text, Vocab& vocab);

// Fills `vocab`, `added` and the parts of `config` the file specifies.
void read_tokenizer_json(std::string_view json, const std::string& name, TokenizerConfig& config,
                         Vocab& vocab, std::vector<AddedToken>& added);

// Overrides `config` with the keys present: do_lower_case, strip_accents,
// tokenize_chinese_chars, model_max_length and the special tokens.
void read_tokenizer_config(std::string_view json, const std::string& name,
                           TokenizerConfig& config);

}  // namespace encore::tok
