// Strict UTF-8 decoding (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), the
// same rules as Rust's str, so every input HF could be given is accepted and nothing else is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace encore::tok {

// Decodes the character starting at text[pos] (pos < text.size()) into `out`; returns its length
// in bytes, or 0 when the bytes there are not valid UTF-8.
inline size_t decode_utf8(std::string_view text, size_t pos, char32_t& out) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data()) + pos;
  const size_t available = text.size() - pos;
  const unsigned lead = bytes[0];
  if (lead < 0x80) {
    out = lead;
    return 1;
  }
  auto continuation = [&](size_t i) { return i < available && (bytes[i] & 0xC0) == 0x80; };
  if (lead >= 0xC2 && lead <= 0xDF) {
    if (!continuation(1)) return 0;
    out = (char32_t{lead & 0x1Fu} << 6) | (bytes[1] & 0x3Fu);
    return 2;
  }
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (!continuation(1) || !continuation(2)) return 0;
    out = (char32_t{lead & 0x0Fu} << 12) | (char32_t{bytes[1] & 0x3Fu} << 6) | (bytes[2] & 0x3Fu);
    if (out < 0x800 || (out >= 0xD800 && out <= 0xDFFF)) return 0;  // overlong or surrogate
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    out = (char32_t{lead & 0x07u} << 18) | (char32_t{bytes[1] & 0x3Fu} << 12) |
          (char32_t{bytes[2] & 0x3Fu} << 6) | (bytes[3] & 0x3Fu);
    if (out < 0x10000 || out > 0x10FFFF) return 0;
    return 4;
  }
  return 0;  // continuation byte, overlong lead (C0, C1) or F5..FF
}

// Appends the UTF-8 encoding of `c` (a valid scalar value) to `out`; returns the bytes written.
inline size_t encode_utf8(char32_t c, char* out) {
  if (c < 0x80) {
    out[0] = static_cast<char>(c);
    return 1;
  }
  if (c < 0x800) {
    out[0] = static_cast<char>(0xC0 | (c >> 6));
    out[1] = static_cast<char>(0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (c >> 12));
    out[1] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (c & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (c >> 18));
  out[1] = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (c & 0x3F));
  return 4;
}

// Throws encore::Error: "<what>: invalid UTF-8 at byte N (0xXX ...)".
[[noreturn]] void throw_invalid_utf8(std::string_view what, std::string_view text, size_t pos);

// Byte position of the first invalid sequence, or text.size() when all of `text` is valid.
size_t find_invalid_utf8(std::string_view text);

}  // namespace encore::tok
