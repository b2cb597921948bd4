#include "tokenizer/unicode.h"

#include <utf8proc.h>

#include <map>
#include <string>
#include <vector>

#include "tokenizer/hf_unicode_differences.h"

namespace encore::tok {
namespace {

constexpr char32_t kCodePoints = 0x110000;
// Planes 4 to 13 hold no character (Unicode 16): all their flags are 0; skipping them halves the
// time to build the table.
constexpr char32_t kFirstUnassignedPlane = 0x40000;
constexpr char32_t kPlane14 = 0xE0000;

// Rust's char::is_whitespace (the White_Space property, unchanged since Unicode 6.3); utf8proc
// does not expose it.
bool is_rust_whitespace(char32_t c) {
  switch (c) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20: case 0x85: case 0xA0:
    case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

// HF BertNormalizer's is_chinese_char, ranges copied as HF has them (0x2B920, not 0x2B820).
bool is_hf_chinese(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

bool is_ascii_punctuation(char32_t c) {
  return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
         (c >= 123 && c <= 126);
}

size_t utf8proc_nfd(char32_t c, char32_t out[kMaxDecomposition]) {
  utf8proc_int32_t buffer[8];
  int boundclass = 0;
  utf8proc_ssize_t n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(c), buffer, 8,
                                               UTF8PROC_DECOMPOSE, &boundclass);
  if (n <= 0 || n > static_cast<utf8proc_ssize_t>(kMaxDecomposition)) {
    out[0] = c;
    return 1;
  }
  for (utf8proc_ssize_t i = 0; i < n; ++i) out[i] = static_cast<char32_t>(buffer[i]);
  return static_cast<size_t>(n);
}

uint8_t utf8proc_flags(char32_t c) {
  const utf8proc_property_t* property = utf8proc_get_property(static_cast<utf8proc_int32_t>(c));
  const auto category = static_cast<utf8proc_category_t>(property->category);
  uint8_t flags = 0;
  const bool is_other = category == UTF8PROC_CATEGORY_CC || category == UTF8PROC_CATEGORY_CF ||
                        category == UTF8PROC_CATEGORY_CO || category == UTF8PROC_CATEGORY_CS;
  if (c == 0 || c == 0xFFFD || (is_other && c != '\t' && c != '\n' && c != '\r')) {
    flags |= kRemoved;
  }
  if (is_rust_whitespace(c)) flags |= kWhitespace;
  if (is_ascii_punctuation(c) || (category >= UTF8PROC_CATEGORY_PC &&
                                  category <= UTF8PROC_CATEGORY_PO)) {
    flags |= kPunctuation;
  }
  if (is_hf_chinese(c)) flags |= kChinese;
  if (category == UTF8PROC_CATEGORY_MN) flags |= kNonspacingMark;
  const bool hangul_syllable = c >= 0xAC00 && c <= 0xD7A3;  // decomposed by algorithm, not table
  if (hangul_syllable || property->decomp_seqindex != UINT16_MAX) {
    char32_t decomposed[kMaxDecomposition];
    if (utf8proc_nfd(c, decomposed) != 1 || decomposed[0] != c) flags |= kDecomposes;
  }
  if (utf8proc_tolower(static_cast<utf8proc_int32_t>(c)) != static_cast<utf8proc_int32_t>(c) ||
      c == 0x130) {
    flags |= kLowercaseChanges;
  }
  if (property->combining_class != 0) flags |= kReorderable;
  return flags;
}

}  // namespace

CharFlagTable::CharFlagTable() {
  std::vector<uint8_t> flags(kCodePoints, 0);
  for (char32_t c = 0; c < kCodePoints; ++c) {
    if (c == kFirstUnassignedPlane) c = kPlane14;
    flags[c] = utf8proc_flags(c);
  }
  apply_hf_differences(flags);
  std::map<std::string, uint16_t> seen;
  for (char32_t start = 0; start < kCodePoints; start += kBlockSize) {
    std::string block(reinterpret_cast<const char*>(flags.data()) + start, kBlockSize);
    auto [it, inserted] = seen.try_emplace(std::move(block), static_cast<uint16_t>(seen.size()));
    if (inserted) blocks_.insert(blocks_.end(), it->first.begin(), it->first.end());
    index_[start >> kBlockBits] = it->second;
  }
}

const CharFlagTable& CharFlagTable::instance() {
  static const CharFlagTable table;
  return table;
}

size_t decompose(char32_t c, char32_t out[kMaxDecomposition]) {
  if (const size_t n = hf_decomposition(c, out)) return n;
  return utf8proc_nfd(c, out);
}

size_t to_lowercase(char32_t c, char32_t out[kMaxLowercase]) {
  if (const size_t n = hf_lowercase(c, out)) return n;
  out[0] = static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c)));
  return 1;
}

uint8_t combining_class(char32_t c) {
  return utf8proc_get_property(static_cast<utf8proc_int32_t>(c))->combining_class;
}

}  // namespace encore::tok
