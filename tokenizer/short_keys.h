// Exact lookup of short keys (at most 16 bytes): most words are a vocabulary token as a whole, so
// this lookup settles most of them. A key is read as two 64-bit words without touching a byte
// past its end, and sits inline in its slot, so a lookup is a few loads, one hash and one
// comparison, with no collision to verify and no other memory to read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace encore::tok {

class ShortKeys {
 public:
  static constexpr size_t kMaxBytes = 16;

  // Prepares room for `count` keys; drops any key added before.
  void reset(size_t count);
  // Adds `key` (1..kMaxBytes bytes) in `space` (0 or 1: tokens and continuations are two sets of
  // keys) unless it is already there: the first id added for a key stays.
  void add_if_absent(std::string_view key, bool space, int32_t id);
  // The id of `key` in `space`, -1 when absent (always for an empty or a longer key).
  int32_t find(std::string_view key, bool space) const {
    if (key.empty() || key.size() > kMaxBytes || slots_.empty()) return -1;
    const Slot wanted = pack(key, space);
    for (uint64_t i = slot_of(wanted) & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.tag == 0) return -1;
      if (slot.low == wanted.low && slot.high == wanted.high && slot.tag == wanted.tag) {
        return slot.id;
      }
    }
  }

 private:
  // 24 bytes.
  struct Slot {
    uint64_t low = 0, high = 0;  // the key's bytes, zero-padded
    uint32_t tag = 0;            // length | space << 8 | 1 << 9; 0 = empty slot
    int32_t id = -1;
  };

  static uint64_t load(const char* bytes, size_t count) {  // count <= 8
    uint64_t word = 0;
    std::memcpy(&word, bytes, count);
    return word;
  }
  // Two overlapping fixed-size reads per half instead of a byte loop, none past the key's end.
  static uint64_t load_up_to_8(const char* bytes, size_t count) {
    if (count >= 4) {
      const uint64_t head = load(bytes, 4);
      const uint64_t tail = load(bytes + count - 4, 4);
      return head | tail << (8 * (count - 4));
    }
    if (count == 0) return 0;
    const uint64_t first = static_cast<unsigned char>(bytes[0]);
    const uint64_t middle = static_cast<unsigned char>(bytes[count / 2]);
    const uint64_t last = static_cast<unsigned char>(bytes[count - 1]);
    return first | middle << (8 * (count / 2)) | last << (8 * (count - 1));
  }
  static Slot pack(std::string_view key, bool space) {
    const size_t size = key.size();
    Slot packed;
    packed.tag = static_cast<uint32_t>(size) | uint32_t{space} << 8 | 1u << 9;
    if (size <= 8) {
      packed.low = load_up_to_8(key.data(), size);
    } else {
      packed.low = load(key.data(), 8);
      packed.high = load(key.data() + size - 8, 8) >> (8 * (16 - size));
    }
    return packed;
  }
  static uint64_t slot_of(const Slot& key) {
    uint64_t hash = key.low * 0x9E3779B97F4A7C15ull ^ key.high * 0xC2B2AE3D27D4EB4Full ^ key.tag;
    hash ^= hash >> 32;
    hash *= 0xFF51AFD7ED558CCDull;
    return hash ^ (hash >> 29);
  }

  std::vector<Slot> slots_;
  uint64_t mask_ = 0;
};

}  // namespace encore::tok
