// Fuzzes encore::Tokenizer on arbitrary bytes, as one text or as a pair, with and without
// truncation, under several normalizer configurations. Valid UTF-8 must encode; invalid UTF-8 must
// throw encore::Error; every encoding must be self-consistent (checked against an independent
// UTF-8 decoder below, not the tokenizer's own).
//
// Input layout: byte 0 picks the configuration and the mode, byte 1 the max_length, byte 2 where a
// pair is split; the rest is the text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <vector>

#include "encore/tokenizer.h"
#include "support/error.h"

namespace {

// A vocabulary small enough to read, with whole words, subword pieces and single letters, so
// WordPiece both matches and falls back to [UNK].
constexpr std::string_view kVocab =
    "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n"
    "the\nun\n##aff\n##able\nhello\nworld\n##s\n##ing\n##ed\nplay\n##er\ncafe\ncafé\nnaive\n"
    ",\n.\n!\n?\n'\n-\n[\n]\n#\n##\n中\n文\n字\n日\n本\nσ\nς\nß\ni\n##i\n##̇\n😀\n"
    "a\nb\nc\nd\ne\nf\ng\nh\nj\nk\nl\nm\nn\no\np\nq\nr\nt\nu\nv\nw\nx\ny\nz\n"
    "##a\n##b\n##c\n##d\n##e\n##f\n##g\n##h\n##j\n##k\n##l\n##m\n##n\n##o\n##p\n##q\n##r\n##t\n"
    "##u\n##v\n##w\n##x\n##y\n##z\n1\n2\n3\n##1\n##2\n##3\n";

std::vector<encore::Tokenizer> make_tokenizers() {
  std::vector<encore::Tokenizer> tokenizers;
  for (int variant = 0; variant < 8; ++variant) {
    encore::TokenizerConfig config;
    config.lowercase = variant & 1;
    config.handle_chinese_chars = variant & 2;
    if (variant & 4) config.strip_accents = !config.lowercase;
    config.clean_text = variant != 6;
    // A short limit makes the "word too long → [UNK]" path as common as the normal one.
    config.max_input_chars_per_word = variant == 5 ? 6 : 100;
    tokenizers.push_back(encore::Tokenizer::from_vocab(kVocab, config));
  }
  return tokenizers;
}

// Independent UTF-8 validation: the number of code points, or nothing when the bytes are not
// UTF-8 (overlong forms, surrogates and values past U+10FFFF are not UTF-8).
std::optional<size_t> count_code_points(std::string_view s) {
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++count) {
    const auto b = static_cast<uint8_t>(s[i]);
    size_t length;
    uint32_t cp;
    if (b < 0x80) {
      length = 1, cp = b;
    } else if ((b & 0xE0) == 0xC0) {
      length = 2, cp = b & 0x1F;
    } else if ((b & 0xF0) == 0xE0) {
      length = 3, cp = b & 0x0F;
    } else if ((b & 0xF8) == 0xF0) {
      length = 4, cp = b & 0x07;
    } else {
      return std::nullopt;
    }
    if (i + length > s.size()) return std::nullopt;
    for (size_t k = 1; k < length; ++k) {
      const auto c = static_cast<uint8_t>(s[i + k]);
      if ((c & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (c & 0x3F);
    }
    constexpr uint32_t kMinForLength[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return std::nullopt;
    }
    i += length;
  }
  return count;
}

void check(bool condition) {
  if (!condition) std::abort();
}

// Token ranges must lie inside the text they name, in order of the sequence they belong to.
void check_encoding(const encore::Encoding& e, const encore::Tokenizer& tokenizer,
                    const encore::EncodeOptions& options, std::string_view first,
                    std::optional<std::string_view> second) {
  const size_t n = e.size();
  check(e.type_ids.size() == n && e.attention_mask.size() == n &&
        e.special_tokens_mask.size() == n && e.offsets.size() == n &&
        e.byte_offsets.size() == n && e.word_ids.size() == n && e.sequence_ids.size() == n);
  const size_t specials = second ? 3 : 2;
  check(n >= specials);
  if (options.max_length >= specials) check(n <= options.max_length);
  const size_t chars[2] = {*count_code_points(first), second ? *count_code_points(*second) : 0};
  const size_t bytes[2] = {first.size(), second ? second->size() : 0};
  for (size_t i = 0; i < n; ++i) {
    check(e.ids[i] >= 0 && static_cast<size_t>(e.ids[i]) < tokenizer.vocab_size());
    check(e.attention_mask[i] == 1);
    const int32_t sequence = e.sequence_ids[i];
    if (sequence < 0) {
      check(e.special_tokens_mask[i] == 1 && e.offsets[i] == encore::Offset{});
      check(e.word_ids[i] == -1);
      continue;
    }
    check(sequence == 0 || (sequence == 1 && second));
    check(e.type_ids[i] == sequence && e.special_tokens_mask[i] == 0 && e.word_ids[i] >= 0);
    const encore::Offset c = e.offsets[i], b = e.byte_offsets[i];
    check(c.begin <= c.end && c.end <= chars[sequence]);
    check(b.begin <= b.end && b.end <= bytes[sequence]);
    // The byte range must cut the text at code point boundaries and hold as many code points.
    const std::string_view text = sequence == 0 ? first : *second;
    const auto piece = count_code_points(text.substr(b.begin, b.end - b.begin));
    check(piece && *piece == c.end - c.begin);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<encore::Tokenizer> tokenizers = make_tokenizers();
  static encore::Encoding encoding;  // reused, as callers do: stale contents must not leak through
  if (size < 3) return 0;
  const uint8_t mode = data[0];
  const auto& tokenizer = tokenizers[mode % tokenizers.size()];
  encore::EncodeOptions options;
  if (mode & 0x08) options.max_length = data[1];
  options.truncation = static_cast<encore::TruncationStrategy>((mode >> 4) % 3);
  options.add_special_tokens = true;
  const std::string_view input(reinterpret_cast<const char*>(data + 3), size - 3);
  const bool pair = mode & 0x80;
  const size_t split = pair ? data[2] * input.size() / 255 : input.size();
  const std::string_view first = input.substr(0, split);
  const std::optional<std::string_view> second =
      pair ? std::optional(input.substr(split)) : std::nullopt;

  const bool valid = count_code_points(first) && (!second || count_code_points(*second));
  try {
    if (second) {
      tokenizer.encode_pair(first, *second, options, encoding);
    } else {
      tokenizer.encode(first, options, encoding);
    }
  } catch (const encore::Error&) {
    // Invalid UTF-8 must be refused; valid text only when truncation cannot fit: max_length below
    // the special tokens' count, or a one-sided strategy whose side is too short.
    const size_t specials = second ? 3 : 2;
    check(!valid || (options.max_length > 0 &&
                     (options.max_length < specials ||
                      options.truncation != encore::TruncationStrategy::kLongestFirst)));
    return 0;
  }
  check(valid);
  check_encoding(encoding, tokenizer, options, first, second);
  return 0;
}
