#include "tokenizer/hf_unicode_differences.h"

#include <span>

#include "tokenizer/unicode.h"

// Generated once by dumping, for every code point, what HF tokenizers 0.23.2 (npm) does with it
// alone (each BertNormalizer step, BertPreTokenizer, NFD after U+0345) and what unicode.cpp
// computes from utf8proc 2.8.0 (Unicode 15.0), then listing the differences. HF's category tables
// (`unicode_categories` crate) and NFD tables (`unicode-normalization-alignments`) predate Unicode
// 10; its lowercasing is Rust's char::to_lowercase (Unicode 16). See README.md.

namespace encore::tok {
namespace {

struct CodePointRange {
  char32_t first, last;
};

// Canonical decompositions never change once published, so only characters newer than HF's NFD
// tables differ: of those utf8proc knows, U+11938 (Dives Akuru, Unicode 13) alone decomposes.
constexpr char32_t kHfUndecomposed = 0x11938;

struct LowercaseRange {
  char32_t first, last;
  int32_t delta;
};

// format characters (Cf) in utf8proc, unassigned in HF: clean_text keeps them (20 code points)
constexpr CodePointRange kHfKeepsFormatChars[] = {
    {0x890, 0x891}, {0x8E2, 0x8E2}, {0x110CD, 0x110CD}, {0x13430, 0x1343F},
};
// Mn in HF, not in utf8proc: strip_accents drops them (1 code points)
constexpr CodePointRange kHfNonspacingMarks[] = {
    {0x1734, 0x1734},
};
// Mn in utf8proc, unassigned in HF: strip_accents keeps them (420 code points)
constexpr CodePointRange kHfNotNonspacingMarks[] = {
    {0x7FD, 0x7FD}, {0x898, 0x89F}, {0x8CA, 0x8E1}, {0x9FE, 0x9FE}, {0xAFA, 0xAFF}, {0xB55, 0xB55},
    {0xC04, 0xC04}, {0xC3C, 0xC3C}, {0xD00, 0xD00}, {0xD3B, 0xD3C}, {0xD81, 0xD81}, {0xEBA, 0xEBA},
    {0xECE, 0xECE}, {0x180F, 0x180F}, {0x1885, 0x1886}, {0x1ABF, 0x1ACE}, {0x1DF6, 0x1DFB},
    {0xA82C, 0xA82C}, {0xA8C5, 0xA8C5}, {0xA8FF, 0xA8FF}, {0xA9BD, 0xA9BD}, {0x10D24, 0x10D27},
    {0x10EAB, 0x10EAC}, {0x10EFD, 0x10EFF}, {0x10F46, 0x10F50}, {0x10F82, 0x10F85},
    {0x11070, 0x11070}, {0x11073, 0x11074}, {0x110C2, 0x110C2}, {0x111C9, 0x111C9},
    {0x111CF, 0x111CF}, {0x1123E, 0x1123E}, {0x11241, 0x11241}, {0x1133B, 0x1133B},
    {0x11438, 0x1143F}, {0x11442, 0x11444}, {0x11446, 0x11446}, {0x1145E, 0x1145E},
    {0x1182F, 0x11837}, {0x11839, 0x1183A}, {0x11938, 0x11938}, {0x1193B, 0x1193C},
    {0x1193E, 0x1193E}, {0x11943, 0x11943}, {0x119D4, 0x119D7}, {0x119DA, 0x119DB},
    {0x119E0, 0x119E0}, {0x11A01, 0x11A0A}, {0x11A33, 0x11A38}, {0x11A3B, 0x11A3E},
    {0x11A47, 0x11A47}, {0x11A51, 0x11A56}, {0x11A59, 0x11A5B}, {0x11A8A, 0x11A96},
    {0x11A98, 0x11A99}, {0x11C30, 0x11C36}, {0x11C38, 0x11C3D}, {0x11C3F, 0x11C3F},
    {0x11C92, 0x11CA7}, {0x11CAA, 0x11CB0}, {0x11CB2, 0x11CB3}, {0x11CB5, 0x11CB6},
    {0x11D31, 0x11D36}, {0x11D3A, 0x11D3A}, {0x11D3C, 0x11D3D}, {0x11D3F, 0x11D45},
    {0x11D47, 0x11D47}, {0x11D90, 0x11D91}, {0x11D95, 0x11D95}, {0x11D97, 0x11D97},
    {0x11EF3, 0x11EF4}, {0x11F00, 0x11F01}, {0x11F36, 0x11F3A}, {0x11F40, 0x11F40},
    {0x11F42, 0x11F42}, {0x13440, 0x13440}, {0x13447, 0x13455}, {0x16F4F, 0x16F4F},
    {0x16FE4, 0x16FE4}, {0x1CF00, 0x1CF2D}, {0x1CF30, 0x1CF46}, {0x1E000, 0x1E006},
    {0x1E008, 0x1E018}, {0x1E01B, 0x1E021}, {0x1E023, 0x1E024}, {0x1E026, 0x1E02A},
    {0x1E08F, 0x1E08F}, {0x1E130, 0x1E136}, {0x1E2AE, 0x1E2AE}, {0x1E2EC, 0x1E2EF},
    {0x1E4EC, 0x1E4EF}, {0x1E944, 0x1E94A},
};
// punctuation in HF, not in utf8proc (2 code points)
constexpr CodePointRange kHfPunctuation[] = {
    {0x166D, 0x166D}, {0x111C9, 0x111C9},
};
// punctuation in utf8proc, unassigned in HF (127 code points)
constexpr CodePointRange kHfNotPunctuation[] = {
    {0x61D, 0x61D}, {0x9FD, 0x9FD}, {0xA76, 0xA76}, {0xC77, 0xC77}, {0xC84, 0xC84},
    {0x1B7D, 0x1B7E}, {0x2E43, 0x2E4F}, {0x2E52, 0x2E5D}, {0x10EAD, 0x10EAD}, {0x10F55, 0x10F59},
    {0x10F86, 0x10F89}, {0x1144B, 0x1144F}, {0x1145A, 0x1145B}, {0x1145D, 0x1145D},
    {0x11660, 0x1166C}, {0x116B9, 0x116B9}, {0x1183B, 0x1183B}, {0x11944, 0x11946},
    {0x119E2, 0x119E2}, {0x11A3F, 0x11A46}, {0x11A9A, 0x11A9C}, {0x11A9E, 0x11AA2},
    {0x11B00, 0x11B09}, {0x11C41, 0x11C45}, {0x11C70, 0x11C71}, {0x11EF7, 0x11EF8},
    {0x11F43, 0x11F4F}, {0x11FFF, 0x11FFF}, {0x12FF1, 0x12FF2}, {0x16E97, 0x16E9A},
    {0x16FE2, 0x16FE2}, {0x1E95E, 0x1E95F},
};
// combining class 0 in HF (unassigned there), nonzero in utf8proc: NFD does not reorder them (108 code points)
constexpr CodePointRange kHfNotReorderable[] = {
    {0x7FD, 0x7FD}, {0x898, 0x89F}, {0x8CA, 0x8D3}, {0x9FE, 0x9FE}, {0xC3C, 0xC3C},
    {0xD3B, 0xD3C}, {0xEBA, 0xEBA}, {0x1715, 0x1715}, {0x1ABF, 0x1ACE}, {0x1DF6, 0x1DFA},
    {0xA82C, 0xA82C}, {0x10D24, 0x10D27}, {0x10EAB, 0x10EAC}, {0x10EFD, 0x10EFF},
    {0x10F46, 0x10F50}, {0x10F82, 0x10F85}, {0x11070, 0x11070}, {0x1133B, 0x1133B},
    {0x1145E, 0x1145E}, {0x11839, 0x1183A}, {0x1193D, 0x1193E}, {0x11943, 0x11943},
    {0x119E0, 0x119E0}, {0x11A34, 0x11A34}, {0x11A47, 0x11A47}, {0x11A99, 0x11A99},
    {0x11D42, 0x11D42}, {0x11D44, 0x11D45}, {0x11D97, 0x11D97}, {0x11F41, 0x11F42},
    {0x16FF0, 0x16FF1}, {0x1E08F, 0x1E08F}, {0x1E130, 0x1E136}, {0x1E2AE, 0x1E2AE},
    {0x1E2EC, 0x1E2EF}, {0x1E4EC, 0x1E4EF},
};
// Rust (Unicode 16) lowercases them, utf8proc (Unicode 15) does not (55 code points)
constexpr LowercaseRange kRustLowercase[] = {
    {0x1C89, 0x1C89, 1},
    {0xA7CB, 0xA7CB, -42343},
    {0xA7CC, 0xA7CC, 1},
    {0xA7CE, 0xA7CE, 1},
    {0xA7D2, 0xA7D2, 1},
    {0xA7D4, 0xA7D4, 1},
    {0xA7DA, 0xA7DA, 1},
    {0xA7DC, 0xA7DC, -42561},
    {0x10D50, 0x10D65, 32},
    {0x16EA0, 0x16EB8, 27},
};

void set_flag(std::span<uint8_t> flags, std::span<const CodePointRange> ranges, uint8_t flag) {
  for (const CodePointRange& range : ranges) {
    for (char32_t c = range.first; c <= range.last; ++c) flags[c] |= flag;
  }
}

void clear_flag(std::span<uint8_t> flags, std::span<const CodePointRange> ranges, uint8_t flag) {
  for (const CodePointRange& range : ranges) {
    for (char32_t c = range.first; c <= range.last; ++c) flags[c] &= static_cast<uint8_t>(~flag);
  }
}

}  // namespace

void apply_hf_differences(std::span<uint8_t> flags) {
  clear_flag(flags, kHfKeepsFormatChars, kRemoved);
  set_flag(flags, kHfNonspacingMarks, kNonspacingMark);
  clear_flag(flags, kHfNotNonspacingMarks, kNonspacingMark);
  set_flag(flags, kHfPunctuation, kPunctuation);
  clear_flag(flags, kHfNotPunctuation, kPunctuation);
  clear_flag(flags, kHfNotReorderable, kReorderable);
  flags[kHfUndecomposed] &= static_cast<uint8_t>(~kDecomposes);
  flags[0x130] |= kLowercaseChanges;
  for (const LowercaseRange& range : kRustLowercase) {
    for (char32_t c = range.first; c <= range.last; ++c) flags[c] |= kLowercaseChanges;
  }
}

size_t hf_decomposition(char32_t c, char32_t* out) {
  if (c == kHfUndecomposed) {
    out[0] = c;
    return 1;
  }
  return 0;
}

size_t hf_lowercase(char32_t c, char32_t* out) {
  if (c == 0x130) {  // İ: Rust applies the full mapping (SpecialCasing), utf8proc the simple one
    out[0] = 'i';
    out[1] = 0x307;
    return 2;
  }
  if (c < kRustLowercase[0].first) return 0;  // keeps the common scripts off the scan below
  for (const LowercaseRange& range : kRustLowercase) {
    if (c >= range.first && c <= range.last) {
      out[0] = static_cast<char32_t>(static_cast<int32_t>(c) + range.delta);
      return 1;
    }
  }
  return 0;
}

}  // namespace encore::tok
