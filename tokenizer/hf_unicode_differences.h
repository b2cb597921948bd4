// Where Hugging Face tokenizers' Unicode tables (older than utf8proc's) give another answer. HF
// is the truth encore must match; each table in the .cpp says which HF table it mirrors.
#pragma once

#include <cstddef>
#include <cstdint>

namespace encore::tok {

// The flags HF sees for `c`, given the flags computed from utf8proc.
uint8_t hf_char_flags(char32_t c, uint8_t utf8proc_flags);
// HF's decomposition / lowercase of `c` when it differs from utf8proc's; 0 when it does not.
size_t hf_decomposition(char32_t c, char32_t* out);
size_t hf_lowercase(char32_t c, char32_t* out);

}  // namespace encore::tok
