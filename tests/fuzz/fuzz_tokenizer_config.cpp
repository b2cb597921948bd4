// Fuzzes tokenizer_config.json (read after vocab.txt, as Tokenizer::from_dir does) on arbitrary
// text: it must never crash or throw anything but encore::Error, and a tokenizer it configures must
// work (tokenizer_files_check.h).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tokenizer_files_check.h"

namespace {

// The BERT special tokens, a few alternatives a config may name instead, and some word pieces.
constexpr std::string_view kVocab =
    "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n<s>\n</s>\n<unk>\n<pad>\nthe\nun\n##aff\n##able\nhello\n"
    "world\ncafe\ncafé\n,\n.\n!\n中\n文\na\nb\n##a\n##b\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  try {
    const encore::Tokenizer tokenizer =
        encore::Tokenizer::from_contents(std::nullopt, kVocab, json, "fuzz");
    encore::fuzz::check_loaded_tokenizer(tokenizer, "Hello CAFÉ <s> un aff able");
  } catch (const encore::Error&) {
  }
  return 0;
}
