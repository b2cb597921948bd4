#include "tokenizer/utf8.h"

#include <cstdio>
#include <string>

#include "support/error.h"

namespace encore::tok {

void throw_invalid_utf8(std::string_view what, std::string_view text, size_t pos) {
  std::string bytes;
  for (size_t i = pos; i < text.size() && i < pos + 4; ++i) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "%s0x%02X", i == pos ? "" : " ",
                  static_cast<unsigned>(static_cast<unsigned char>(text[i])));
    bytes += hex;
  }
  throw_error(what, ": invalid UTF-8 at byte ", pos, " (", bytes, ")");
}

size_t find_invalid_utf8(std::string_view text) {
  char32_t c;
  for (size_t pos = 0; pos < text.size();) {
    const size_t length = decode_utf8(text, pos, c);
    if (length == 0) return pos;
    pos += length;
  }
  return text.size();
}

}  // namespace encore::tok
