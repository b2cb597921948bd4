#include "engine/api/pre_entities.h"

namespace encore::api {
namespace {

size_t count_code_points(std::string_view utf8) {
  size_t count = 0;
  for (char c : utf8) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

}  // namespace

void gather_pre_entities(std::string_view text, const Encoding& encoding,
                         const Tokenizer& tokenizer, std::span<const float> probabilities,
                         size_t num_labels, std::vector<PreEntity>& out) {
  out.clear();
  for (size_t i = 0; i < encoding.size(); ++i) {
    if (encoding.special_tokens_mask[i]) continue;
    PreEntity token;
    token.scores = probabilities.subspan(i * num_labels, num_labels);
    token.offset = encoding.offsets[i];
    token.index = static_cast<int32_t>(i);
    const Offset bytes = encoding.byte_offsets[i];
    const std::string_view covered = text.substr(bytes.begin, bytes.end - bytes.begin);
    if (encoding.ids[i] == tokenizer.unk_id()) {
      // [UNK] says nothing about the text: show what it replaced, and start a word there.
      token.word = covered;
      token.is_subword = false;
    } else {
      token.word = tokenizer.id_to_token(encoding.ids[i]);
      token.is_subword = count_code_points(token.word) != token.offset.end - token.offset.begin;
    }
    out.push_back(token);
  }
}

}  // namespace encore::api
