// encore::Error — the one exception type encore throws for bad input (files, requests, flags).
// The message always names what was being read ("model.safetensors: tensor 'x' ...") so a user
// can act on it without a debugger. Part of the public API: embedding apps catch it.
#pragma once

#include <stdexcept>
#include <string>

namespace encore {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace encore
