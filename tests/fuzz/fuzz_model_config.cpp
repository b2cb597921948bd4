// Fuzzes config.json parsing on arbitrary text: it must never crash or throw anything but
// encore::Error, and every config it accepts must satisfy the invariants the engine relies on.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "loader/model_config.h"
#include "support/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view json(reinterpret_cast<const char*>(data), size);
  try {
    encore::loader::ModelConfig c = encore::loader::parse_model_config(json, "config.json");
    const bool valid =
        c.dim > 0 && c.n_heads > 0 && c.dim % c.n_heads == 0 && c.n_layers > 0 &&
        c.hidden_dim > 0 && c.vocab_size > 0 && c.max_position_embeddings > 0 &&
        c.pad_token_id >= 0 && c.pad_token_id < c.vocab_size &&
        (c.architecture == encore::loader::Architecture::kBaseModel) == c.labels.empty();
    if (!valid) std::abort();
  } catch (const encore::Error&) {
  }
  return 0;
}
