#include "tokenizer/truncation.h"

#include <algorithm>

#include "support/error.h"

namespace encore::tok {
namespace {

// HF's three cases: nothing to cut; only the longer is cut; both are cut to half the room, the
// longer taking the odd token.
KeptLengths longest_first_pair(size_t first, size_t second, size_t room) {
  const bool swapped = first > second;
  size_t shorter = swapped ? second : first;
  size_t longer;
  if (shorter > room) {
    longer = shorter;
  } else {
    longer = std::max(shorter, room - shorter);
  }
  if (shorter + longer > room) {
    shorter = room / 2;
    longer = shorter + room % 2;
  }
  const size_t keep_first = swapped ? longer : shorter;
  const size_t keep_second = swapped ? shorter : longer;
  return {std::min(first, keep_first), std::min(second, keep_second)};
}

}  // namespace

size_t encoded_length(std::span<const int32_t> word_ids, std::span<const uint8_t> is_special,
                      size_t max_length) {
  if (max_length == 0 || word_ids.size() <= max_length) return word_ids.size();
  for (size_t length = 1; length < word_ids.size(); ++length) {
    const bool ends_word = word_ids[length] != word_ids[length - 1];
    if (length >= max_length && ends_word && !is_special[length - 1]) return length;
  }
  return word_ids.size();
}

KeptLengths truncate_lengths(size_t first, size_t second, bool has_pair, size_t max_length,
                             size_t added_tokens, TruncationStrategy strategy) {
  if (max_length < added_tokens) return {first, second};  // HF's unsigned room wraps around
  const size_t room = max_length - added_tokens;
  if (room == 0) return {0, 0};
  const size_t total = first + second;
  if (total <= room) return {first, second};
  const size_t to_remove = total - room;
  switch (strategy) {
    case TruncationStrategy::kLongestFirst:
      if (!has_pair) return {room, 0};
      return longest_first_pair(first, second, room);
    case TruncationStrategy::kOnlyFirst:
      if (first <= to_remove) break;
      return {first - to_remove, second};
    case TruncationStrategy::kOnlySecond:
      if (!has_pair) throw_error("truncation: only_second needs a pair of texts");
      if (second <= to_remove) break;
      return {first, second - to_remove};
  }
  throw_error("truncation: the sequence to truncate is too short to respect max_length ",
              max_length);
}

}  // namespace encore::tok
