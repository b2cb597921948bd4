// Character properties exactly as Hugging Face tokenizers' BertNormalizer and BertPreTokenizer see
// them. Computed from utf8proc, then corrected where HF's older Unicode tables disagree (see
// hf_unicode_differences.cpp and README.md, "Unicode differences with HF").
#pragma once

#include <cstddef>
#include <array>
#include <cstdint>
#include <vector>

namespace encore::tok {

enum CharFlag : uint8_t {
  kRemoved = 1 << 0,           // clean_text drops it: NUL, U+FFFD, controls other than \t \n \r
  kWhitespace = 1 << 1,        // clean_text maps it to ' ', the pre-tokenizer splits on it
  kPunctuation = 1 << 2,       // the pre-tokenizer makes it a word of its own
  kChinese = 1 << 3,           // handle_chinese_chars surrounds it with spaces
  kNonspacingMark = 1 << 4,    // strip_accents drops it (after NFD)
  kDecomposes = 1 << 5,        // NFD replaces it
  kLowercaseChanges = 1 << 6,  // lowercasing replaces it
  kReorderable = 1 << 7,       // nonzero canonical combining class: NFD may reorder it
};

// The flags of every code point, in a two-stage table (blocks of 256 code points, identical blocks
// stored once, ~40 KB). Built on first use, in a few tens of milliseconds.
class CharFlagTable {
 public:
  static const CharFlagTable& instance();
  // Valid for every code point 0..0x10FFFF.
  uint8_t operator()(char32_t c) const {
    return blocks_[(size_t{index_[c >> kBlockBits]} << kBlockBits) | (c & (kBlockSize - 1))];
  }

 private:
  static constexpr unsigned kBlockBits = 8;
  static constexpr char32_t kBlockSize = char32_t{1} << kBlockBits;
  CharFlagTable();
  std::array<uint16_t, (0x110000 >> kBlockBits)> index_{};
  std::vector<uint8_t> blocks_;
};

inline uint8_t char_flags(char32_t c) { return CharFlagTable::instance()(c); }

// Canonical decomposition (NFD) of one character, fully decomposed; returns the count written.
inline constexpr size_t kMaxDecomposition = 4;
size_t decompose(char32_t c, char32_t out[kMaxDecomposition]);

// Rust's char::to_lowercase (full mapping: U+0130 becomes two characters); returns the count.
inline constexpr size_t kMaxLowercase = 3;
size_t to_lowercase(char32_t c, char32_t out[kMaxLowercase]);

// Canonical combining class, the key NFD sorts combining marks by.
uint8_t combining_class(char32_t c);

}  // namespace encore::tok
