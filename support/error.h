// encore::Error — the one exception type encore throws for bad input (files, requests, flags).
// The message always names what was being read ("model.safetensors: tensor 'x' ...") so a user
// can act on it without a debugger.
#pragma once

#include <stdexcept>
#include <string>

namespace encore {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Builds a message from any streamable pieces: throw_error("vocab.txt:", line, ": empty token").
template <typename... Parts>
[[noreturn]] void throw_error(const Parts&... parts);

}  // namespace encore

#include <sstream>

namespace encore {
template <typename... Parts>
[[noreturn]] void throw_error(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  throw Error(out.str());
}
}  // namespace encore
