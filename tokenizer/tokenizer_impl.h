// What a loaded Tokenizer holds, and the per-thread scratch space an encode works in.
#pragma once

#include <string_view>
#include <vector>

#include "encore/tokenizer.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/scratch_array.h"
#include "tokenizer/special_tokens.h"
#include "tokenizer/vocab.h"
#include "tokenizer/wordpiece.h"
#include "tokenizer/words.h"

namespace encore {

struct Tokenizer::Impl {
  TokenizerConfig config;
  tok::NormalizerOptions normalizer;
  tok::Vocab vocab;
  tok::SpecialTokenMatcher special_tokens;
  int32_t unk_id = -1, cls_id = -1, sep_id = -1, pad_id = -1, mask_id = -1;
  tok::WordPiece wordpiece{vocab, -1, 0};
};

namespace tok {

// The tokens of one text before the template adds [CLS] / [SEP].
struct SequenceTokens {
  ScratchArray<int32_t> ids;
  ScratchArray<Offset> offsets;
  ScratchArray<Offset> byte_offsets;
  ScratchArray<int32_t> word_ids;
  ScratchArray<uint8_t> is_special;  // 1 for a special token found in the text itself
  void clear() {
    ids.clear();
    is_special.clear();
    offsets.clear();
    byte_offsets.clear();
    word_ids.clear();
  }
  // Room for `count` more tokens, appended with push_unchecked().
  void reserve_more(size_t count) {
    ids.reserve_more(count);
    offsets.reserve_more(count);
    byte_offsets.reserve_more(count);
    word_ids.reserve_more(count);
    is_special.reserve_more(count);
  }
  void push_unchecked(int32_t id, Offset offset, Offset byte_offset, int32_t word_id,
                      bool special) {
    ids.push_unchecked(id);
    offsets.push_unchecked(offset);
    byte_offsets.push_unchecked(byte_offset);
    word_ids.push_unchecked(word_id);
    is_special.push_unchecked(special);
  }
};

// Text -> tokens: special tokens split out of the raw text, then normalizer, pre-tokenizer and
// WordPiece. `what` names the text in errors ("text", "text_pair"). Reuses its buffers.
class SequenceEncoder {
 public:
  void encode(const Tokenizer::Impl& tokenizer, std::string_view text, std::string_view what,
              SequenceTokens& out);

 private:
  void split_and_normalize(const Tokenizer::Impl& tokenizer, std::string_view text,
                           std::string_view what);
  void fill_char_bytes(uint32_t char_index, size_t pos);
  size_t take_ascii_words(const Tokenizer::Impl& tokenizer, std::string_view text, size_t pos,
                          uint32_t char_index);
  Normalizer normalizer_;
  Words words_;
  ScratchArray<Piece> pieces_;
  // Byte offset of each original character, plus the end; filled lazily (fill_char_bytes()).
  ScratchArray<uint32_t> char_byte_;
  ScratchArray<char> lowered_;        // the text with A-Z lowercased: ASCII words' normalized bytes
};

}  // namespace tok
}  // namespace encore
