#include "tokenizer/vocab.h"

#include <algorithm>
#include <bit>

#include "support/error.h"

namespace encore::tok {

void Vocab::add(std::string_view token, int32_t id) {
  if (id < 0 || id > kMaxId) {
    throw_error("vocabulary: id ", id, " for token '", token, "' is outside [0, ", kMaxId, "]");
  }
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
  // Room for every prefix of every token, with a load factor of at most 1/2.
  size_t prefixes = 0;
  for (const Span& span : tokens_) {
    prefixes += 2 * span.length;
    if (span.length > UINT16_MAX) throw_error("vocabulary: a token of ", span.length, " bytes");
    max_key_bytes_ = std::max<size_t>(max_key_bytes_, span.length);
  }
  const size_t capacity = std::bit_ceil(prefixes + 16);
  entries_.assign(capacity, {});
  mask_ = capacity - 1;
  size_t short_keys = 0;
  for (size_t id = 0; id < tokens_.size(); ++id) {
    if (!tokens_[id].present) continue;  // an id nobody uses (sparse tokenizer.json) needs no slot
    const std::string_view token = this->token(static_cast<int32_t>(id));
    short_keys += token.size() <= ShortKeys::kMaxBytes;
    short_keys += token.size() > prefix_bytes_ &&
                  token.size() <= prefix_bytes_ + ShortKeys::kMaxBytes &&
                  token.starts_with(continuing_subword_prefix);
  }
  short_keys_.reset(short_keys);
  // From the highest id down, and the first entry of a key stays: when a token is listed twice,
  // the later line's id wins, as in HF.
  for (size_t i = tokens_.size(); i-- > 0;) {
    if (!tokens_[i].present) continue;
    const auto id = static_cast<int32_t>(i);
    const std::string_view token = this->token(id);
    insert_prefixes(token, id, false);
    short_keys_.add_if_absent(token, false, id);
    if (token.size() > prefix_bytes_ && token.starts_with(continuing_subword_prefix)) {
      insert_prefixes(token.substr(prefix_bytes_), id, true);
      short_keys_.add_if_absent(token.substr(prefix_bytes_), true, id);
    }
  }
}

// Inserts every prefix of `key` that ends on a character boundary, the key itself as a token.
void Vocab::insert_prefixes(std::string_view key, int32_t id, bool continuation) {
  uint64_t state = root(continuation);
  for (size_t length = 1; length <= key.size(); ++length) {
    state = extend(state, key.substr(length - 1, 1));
    const bool is_token = length == key.size();
    if (!is_token && (static_cast<unsigned char>(key[length]) & 0xC0) == 0x80) continue;
    for (uint64_t i = slot_of(state) & mask_;; i = (i + 1) & mask_) {
      Entry& entry = entries_[i];
      if (entry.witness < 0) {
        entry = {state, id, static_cast<uint16_t>(length), is_token, continuation};
        break;
      }
      if (entry.hash != state) continue;
      const size_t skip = entry.continuation ? prefix_bytes_ : 0;
      if (entry.continuation != continuation || entry.length != length ||
          token(entry.witness).substr(skip, length) != key.substr(0, length)) {
        throw_error("vocabulary: 64-bit hash collision between '", key.substr(0, length),
                    "' and '", token(entry.witness), "'");
      }
      if (is_token && !entry.is_token) {  // a prefix seen before becomes a token
        entry.witness = id;
        entry.is_token = true;
      }
      break;
    }
  }
}

}  // namespace encore::tok
