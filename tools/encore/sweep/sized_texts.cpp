#include "tools/encore/sweep/sized_texts.h"

#include <random>

#include "support/error.h"

namespace encore::cli::sweep {
namespace {

bool is_plain_word(std::string_view token) {
  if (token.size() < 2 || token.size() > 10) return false;
  for (char c : token) {
    if (c < 'a' || c > 'z') return false;
  }
  return true;
}

}  // namespace

SizedTexts::SizedTexts(const Tokenizer& tokenizer) : tokenizer_(tokenizer) {
  for (size_t id = 0; id < tokenizer.vocab_size(); ++id) {
    const std::string_view token = tokenizer.id_to_token(static_cast<int32_t>(id));
    if (is_plain_word(token)) words_.emplace_back(token);
  }
  if (words_.size() < 10) throw_error("the vocabulary has too few plain words to build texts");
}

std::string SizedTexts::make(int tokens, uint32_t seed) const {
  if (tokens < 3) throw_error("a text needs at least 3 tokens ([CLS] word [SEP]), not ", tokens);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, words_.size() - 1);
  std::string text;
  for (int i = 0; i < tokens - 2; ++i) {
    if (i > 0) text += ' ';
    text += words_[pick(rng)];
  }
  Encoding encoding;
  tokenizer_.encode(text, {}, encoding);
  if (static_cast<int>(encoding.size()) != tokens) {
    throw_error("a ", tokens, "-token text encoded to ", encoding.size(),
                " tokens (the vocabulary's words do not tokenize to themselves)");
  }
  return text;
}

std::vector<std::string> SizedTexts::make_batch(int tokens, int count) const {
  std::vector<std::string> texts;
  for (int i = 0; i < count; ++i) {
    texts.push_back(make(tokens, static_cast<uint32_t>(tokens * 1000 + i)));
  }
  return texts;
}

}  // namespace encore::cli::sweep
