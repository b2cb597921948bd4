#include "tokenizer/short_keys.h"

#include <bit>

namespace encore::tok {

void ShortKeys::reset(size_t count) {
  // Load factor at most 2/3: 65,536 slots (1.5 MB) for BERT's 30,522 tokens and ~5,800
  // continuations.
  const size_t capacity = std::bit_ceil(count + count / 2 + 16);
  slots_.assign(capacity, {});
  mask_ = capacity - 1;
}

void ShortKeys::add_if_absent(std::string_view key, bool space, int32_t id) {
  if (key.empty() || key.size() > kMaxBytes) return;
  Slot packed = pack(key, space);
  packed.id = id;
  for (uint64_t i = slot_of(packed) & mask_;; i = (i + 1) & mask_) {
    Slot& slot = slots_[i];
    if (slot.tag == 0) {
      slot = packed;
      return;
    }
    if (slot.low == packed.low && slot.high == packed.high && slot.tag == packed.tag) return;
  }
}

}  // namespace encore::tok
