// Where Hugging Face tokenizers' Unicode tables (older than utf8proc's) give another answer. HF
// is the truth encore must match; each table in the .cpp says which HF table it mirrors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace encore::tok {

// Turns flags computed from utf8proc (indexed by code point, all 0x110000 of them) into the
// flags HF sees.
void apply_hf_differences(std::span<uint8_t> flags);
// HF's decomposition / lowercase of `c` when it differs from utf8proc's; 0 when it does not.
size_t hf_decomposition(char32_t c, char32_t* out);
size_t hf_lowercase(char32_t c, char32_t* out);

}  // namespace encore::tok
