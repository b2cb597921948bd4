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
  std::vector<int32_t> ids;
  std::vector<Offset> offsets;
  std::vector<Offset> byte_offsets;
  std::vector<int32_t> word_ids;
  std::vector<uint8_t> is_special;  // 1 for a special token found in the text itself
  void clear() {
    ids.clear();
    is_special.clear();
    offsets.clear();
    byte_offsets.clear();
    word_ids.clear();
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
  Normalizer normalizer_;
  Words words_;
  std::vector<Piece> pieces_;
  ScratchArray<uint32_t> char_byte_;  // byte offset of each original character, plus the end
};

}  // namespace tok
}  // namespace encore
