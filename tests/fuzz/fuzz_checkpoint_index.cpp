// Fuzzes model.safetensors.index.json parsing (loader/checkpoint_index.h) on arbitrary text: it
// must never crash or throw anything but encore::Error, and every entry it accepts must name a
// shard that stays inside the model folder, each tensor once.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string_view>

#include "loader/checkpoint_index.h"
#include "support/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  try {
    std::set<std::string_view> tensors;
    for (const auto& entry : encore::loader::parse_checkpoint_index(json, "index.json")) {
      const std::string_view shard = entry.shard;
      const bool plain = !shard.empty() && shard != "." && shard != ".." &&
                         shard.find('/') == std::string_view::npos &&
                         shard.find('\0') == std::string_view::npos;
      if (!plain || !tensors.insert(entry.tensor).second) std::abort();
    }
  } catch (const encore::Error&) {
  }
  return 0;
}
