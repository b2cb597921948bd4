// Fuzzes tokenizer.json loading (Tokenizer::from_json: WordPiece model, normalizer, pre-tokenizer,
// post-processor, added tokens) on arbitrary text: it must never crash, exhaust memory or throw
// anything but encore::Error, and a tokenizer it builds must work (tokenizer_files_check.h).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tokenizer_files_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  try {
    const encore::Tokenizer tokenizer = encore::Tokenizer::from_json(json);
    encore::fuzz::check_loaded_tokenizer(tokenizer, "[CLS] the un##aff [SEP] [UNK]");
  } catch (const encore::Error&) {
  }
  return 0;
}
