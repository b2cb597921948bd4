// Shared by the tokenizer tests: the vendored tokenizers and readable views of an Encoding.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "encore/tokenizer.h"
#include "support/mapped_file.h"

namespace encore::test {

// distilbert-base-uncased (tokenizer.json decompressed at build time).
inline const Tokenizer& uncased() {
  static const Tokenizer tokenizer = Tokenizer::from_json(read_text_file(ENCORE_TOKENIZER_JSON));
  return tokenizer;
}

// A 14-token cased WordPiece vocabulary with lowercase false (tests/data/tokenizer/).
inline std::string cased_json() { return read_text_file(ENCORE_CASED_TOKENIZER_JSON); }

inline std::vector<std::string> tokens(const Tokenizer& tokenizer, const Encoding& encoding) {
  std::vector<std::string> out;
  for (int32_t id : encoding.ids) out.emplace_back(tokenizer.id_to_token(id));
  return out;
}

inline std::vector<std::pair<uint32_t, uint32_t>> offsets(const std::vector<Offset>& offsets) {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  for (const Offset& offset : offsets) out.emplace_back(offset.begin, offset.end);
  return out;
}

inline Encoding encode(const Tokenizer& tokenizer, std::string_view text,
                       const EncodeOptions& options = {}) {
  Encoding encoding;
  tokenizer.encode(text, options, encoding);
  return encoding;
}

}  // namespace encore::test
