// throw_error(...) — builds an encore::Error message from any streamable pieces:
// throw_error("vocab.txt:", line, ": empty token"). The Error type itself is public
// (include/encore/error.h) so that embedding applications can catch it.
#pragma once

#include <sstream>

#include "encore/error.h"

namespace encore {

template <typename... Parts>
[[noreturn]] void throw_error(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  throw Error(out.str());
}

}  // namespace encore
