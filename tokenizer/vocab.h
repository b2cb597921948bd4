// The WordPiece vocabulary, token <-> id. Looking a piece of a word up is the hot path of
// tokenization, so tokens sit in open-addressing tables keyed by a 64-bit hash of their bytes:
// one for whole tokens, one for continuation tokens keyed without their "##" prefix, so the
// greedy matcher never builds a prefixed string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace encore::tok {

class Vocab {
 public:
  // Adds or replaces (a later duplicate wins, as in HF) `token` with `id` >= 0.
  void add(std::string_view token, int32_t id);
  // Builds the lookup tables; call once after the last add().
  void finish(std::string_view continuing_subword_prefix);

  // -1 when absent.
  int32_t find(std::string_view token) const { return whole_.find(token, *this, 0); }
  // The id of continuing_subword_prefix + rest, -1 when absent.
  int32_t find_continuation(std::string_view rest) const {
    return continuation_.find(rest, *this, prefix_bytes_);
  }
  // Longest token in bytes (continuation tokens: without their prefix); bounds the matcher.
  size_t max_token_bytes() const { return whole_.max_key_bytes; }
  size_t max_continuation_bytes() const { return continuation_.max_key_bytes; }

  std::string_view token(int32_t id) const;
  size_t size() const { return count_; }

 private:
  // Open addressing with linear probing; a slot holds an id and 32 bits of its key's hash.
  struct Table {
    struct Slot {
      uint32_t hash = 0;
      int32_t id = -1;
    };
    std::vector<Slot> slots;
    uint64_t mask = 0;
    size_t max_key_bytes = 0;
    void insert(std::string_view key, int32_t id, const Vocab& vocab, size_t skip);
    int32_t find(std::string_view key, const Vocab& vocab, size_t skip) const;
  };
  struct Span {
    uint32_t offset = 0, length = 0;
    bool present = false;
  };
  std::string_view key_of(int32_t id, size_t skip) const {
    return token(id).substr(skip);
  }

  std::string text_;          // every token's bytes, back to back
  std::vector<Span> tokens_;  // by id
  size_t count_ = 0;
  size_t prefix_bytes_ = 0;
  Table whole_, continuation_;
};

uint64_t hash_bytes(std::string_view bytes);

}  // namespace encore::tok
