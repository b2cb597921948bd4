// Fuzzes the safetensors parser on arbitrary bytes: it must never crash, read out of bounds or
// throw anything but encore::Error; every tensor it accepts must lie inside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "loader/safetensors.h"
#include "support/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const std::byte> file(reinterpret_cast<const std::byte*>(data), size);
  try {
    for (const encore::loader::TensorView& t :
         encore::loader::parse_safetensors(file, "fuzz.safetensors")) {
      const bool inside =
          t.bytes.empty() ||
          (t.bytes.data() >= file.data() && t.bytes.data() + t.bytes.size() <= file.data() + size);
      if (!inside || t.bytes.size() != static_cast<size_t>(t.element_count()) *
                                           encore::loader::dtype_size(t.dtype)) {
        std::abort();
      }
    }
  } catch (const encore::Error&) {
  }
  return 0;
}
