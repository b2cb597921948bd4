// Fuzzes vocab.txt loading (Tokenizer::from_vocab) on arbitrary bytes: it must never crash or
// throw anything but encore::Error, and a tokenizer it builds must work (tokenizer_files_check.h).
// When byte 0 is odd the BERT special tokens are put first, so mutations explore the vocabulary
// itself instead of stopping at "the unknown token '[UNK]' is not in the vocabulary".
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tokenizer_files_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string vocab = (data[0] & 1) ? "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n" : "";
  vocab += rest;
  try {
    const encore::Tokenizer tokenizer = encore::Tokenizer::from_vocab(vocab);
    // vocab.txt ids are line numbers: dense, so every id is below the vocabulary size.
    encore::fuzz::check(static_cast<size_t>(tokenizer.cls_id()) < tokenizer.vocab_size());
    encore::fuzz::check_loaded_tokenizer(tokenizer, rest);
  } catch (const encore::Error&) {
  }
  return 0;
}
