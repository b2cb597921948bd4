#include "tokenizer/vocab.h"

#include <bit>
#include <cstring>

#include "support/error.h"

namespace encore::tok {

uint64_t hash_bytes(std::string_view bytes) {
  const char* p = bytes.data();
  size_t n = bytes.size();
  uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
  while (n >= 8) {
    uint64_t chunk;
    std::memcpy(&chunk, p, 8);
    h = (h ^ chunk) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 32;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t chunk = 0;
    std::memcpy(&chunk, p, n);
    h = (h ^ chunk) * 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 29;
  }
  h *= 0x9E3779B97F4A7C15ull;
  return h ^ (h >> 32);
}

void Vocab::add(std::string_view token, int32_t id) {
  if (id < 0) throw_error("vocabulary: negative id ", id, " for token '", token, "'");
  if (static_cast<size_t>(id) >= tokens_.size()) tokens_.resize(static_cast<size_t>(id) + 1);
  Span& span = tokens_[static_cast<size_t>(id)];
  if (!span.present) ++count_;
  span = {static_cast<uint32_t>(text_.size()), static_cast<uint32_t>(token.size()), true};
  text_.append(token);
}

std::string_view Vocab::token(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= tokens_.size()) return {};
  const Span& span = tokens_[static_cast<size_t>(id)];
  return std::string_view(text_).substr(span.offset, span.length);
}

void Vocab::finish(std::string_view continuing_subword_prefix) {
  prefix_bytes_ = continuing_subword_prefix.size();
  const size_t capacity = std::bit_ceil(count_ * 2 + 16);
  for (Table* table : {&whole_, &continuation_}) {
    table->slots.assign(capacity, {});
    table->mask = capacity - 1;
    table->max_key_bytes = 0;
  }
  // Inserted from the highest id down, and insert() keeps the first entry of a key: when a token
  // is listed twice, the later line's id wins, as in HF.
  for (size_t i = tokens_.size(); i-- > 0;) {
    if (!tokens_[i].present) continue;
    const auto id = static_cast<int32_t>(i);
    const std::string_view token = this->token(id);
    whole_.insert(token, id, *this, 0);
    if (token.size() > prefix_bytes_ &&
        token.starts_with(continuing_subword_prefix)) {
      continuation_.insert(token.substr(prefix_bytes_), id, *this, prefix_bytes_);
    }
  }
}

void Vocab::Table::insert(std::string_view key, int32_t id, const Vocab& vocab, size_t skip) {
  if (find(key, vocab, skip) >= 0) return;  // a duplicated token: the first inserted stays
  const uint64_t hash = hash_bytes(key);
  for (uint64_t i = hash & mask;; i = (i + 1) & mask) {
    if (slots[i].id < 0) {
      slots[i] = {static_cast<uint32_t>(hash >> 32), id};
      if (key.size() > max_key_bytes) max_key_bytes = key.size();
      return;
    }
  }
}

int32_t Vocab::Table::find(std::string_view key, const Vocab& vocab, size_t skip) const {
  const uint64_t hash = hash_bytes(key);
  const auto tag = static_cast<uint32_t>(hash >> 32);
  for (uint64_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots[i];
    if (slot.id < 0) return -1;
    if (slot.hash == tag && vocab.key_of(slot.id, skip) == key) return slot.id;
  }
}

}  // namespace encore::tok
