// The WordPiece vocabulary, token <-> id. Matching word pieces is the hot path of tokenization,
// so the vocabulary can be walked like a trie: every prefix of every token (one set for whole
// tokens, one for continuation tokens without their "##") sits in an open-addressing table keyed
// by a 64-bit hash that extends one character at a time. A walk stops as soon as the bytes read
// are no token's prefix, so the longest match costs one probe per character instead of one
// lookup per candidate length. Entries keep enough to check their bytes: a match is verified.
// Exact lookups of keys up to 16 bytes, most of them, go to a table that holds the keys inline.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/short_keys.h"

namespace encore::tok {

class Vocab {
 public:
  // Ids index a dense table, so a file naming id 2^31 would make it allocate gigabytes: ids stop
  // where config.json's vocab_size does (loader/model_config.cpp), far beyond real WordPiece
  // vocabularies (mBERT: 119,547).
  static constexpr int32_t kMaxId = (1 << 20) - 1;

  // Adds or replaces (a later duplicate wins, as in HF) `token` with 0 <= `id` <= kMaxId.
  void add(std::string_view token, int32_t id);
  // Builds the lookup table; call once after the last add().
  void finish(std::string_view continuing_subword_prefix);

  // -1 when absent.
  int32_t find(std::string_view token) const { return find_key(token, false); }
  // The id of continuing_subword_prefix + rest, -1 when absent.
  int32_t find_continuation(std::string_view rest) const { return find_key(rest, true); }

  // Trie-like walk. A state is the hash of the bytes read so far.
  struct Probe {
    bool is_prefix;  // some token starts with the bytes read (or is them)
    int32_t id;      // the token equal to the bytes read (unverified), or -1
  };
  static uint64_t root(bool continuation) {
    return continuation ? 0x84222325CBF29CE4ull : 0xCBF29CE484222325ull;
  }
  static uint64_t extend(uint64_t state, std::string_view bytes) {
    for (const char byte : bytes) state = (state ^ static_cast<unsigned char>(byte)) * kPrime;
    return state;
  }
  Probe probe(uint64_t state) const {
    for (uint64_t i = slot_of(state) & mask_;; i = (i + 1) & mask_) {
      const Entry& entry = entries_[i];
      if (entry.witness < 0) return {false, -1};
      if (entry.hash == state) return {true, entry.is_token ? entry.witness : -1};
    }
  }
  // Whether `key` really is token `id` (a hash collision would make a walk lie).
  bool is_key_of(std::string_view key, int32_t id, bool continuation) const {
    const Span& span = tokens_[static_cast<size_t>(id)];
    const size_t skip = continuation ? prefix_bytes_ : 0;
    if (span.length != key.size() + skip || key.empty()) return false;
    const char* bytes = text_.data() + span.offset + skip;
    for (size_t i = 0; i < key.size(); ++i) {  // keys are short: no call to memcmp
      if (bytes[i] != key[i]) return false;
    }
    return true;
  }

  std::string_view token(int32_t id) const;
  size_t size() const { return count_; }
  // Longest key in bytes (continuation keys: without their prefix); longer pieces never match.
  size_t max_key_bytes() const { return max_key_bytes_; }

 private:
  static constexpr uint64_t kPrime = 0x100000001B3ull;
  struct Entry {  // 16 bytes: four to a cache line
    uint64_t hash = 0;
    int32_t witness = -1;   // a token this key is a prefix of (or equal to); -1 = empty slot
    uint16_t length = 0;    // bytes of the key
    bool is_token = false;  // the key is the witness itself
    bool continuation = false;
  };
  struct Span {
    uint32_t offset = 0, length = 0;
    bool present = false;
  };
  static uint64_t slot_of(uint64_t hash) {
    hash ^= hash >> 33;
    hash *= 0xFF51AFD7ED558CCDull;
    return hash ^ (hash >> 33);
  }
  void insert_prefixes(std::string_view key, int32_t id, bool continuation);
  int32_t find_key(std::string_view key, bool continuation) const {
    if (key.size() <= ShortKeys::kMaxBytes) return short_keys_.find(key, continuation);
    const Probe found = probe(extend(root(continuation), key));
    return found.id >= 0 && is_key_of(key, found.id, continuation) ? found.id : -1;
  }

  std::string text_;          // every token's bytes, back to back
  std::vector<Span> tokens_;  // by id
  size_t count_ = 0;
  size_t prefix_bytes_ = 0;
  size_t max_key_bytes_ = 0;
  std::vector<Entry> entries_;
  uint64_t mask_ = 0;
  ShortKeys short_keys_;  // exact lookups of keys up to 16 bytes (most of them)
};

}  // namespace encore::tok
