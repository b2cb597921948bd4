// encore::Tokenizer — BERT WordPiece tokenization, bit-exact with Hugging Face `tokenizers`
// (BertNormalizer → BertPreTokenizer → WordPiece → [CLS] A [SEP] (B [SEP]) template), and fast:
// after warm-up an encode allocates nothing (scratch space is per thread, Encoding buffers are
// reused by the caller).
//
// A Tokenizer is immutable after loading: share one across threads, copies are cheap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace encore {

// Which sequence loses tokens when a pair does not fit (HF `TruncationStrategy`).
enum class TruncationStrategy { kLongestFirst, kOnlyFirst, kOnlySecond };

struct EncodeOptions {
  // 0 = no truncation. Counts the special tokens ([CLS], [SEP]) when they are added.
  size_t max_length = 0;
  TruncationStrategy truncation = TruncationStrategy::kLongestFirst;
  bool add_special_tokens = true;
};

// Right padding, as HF `PaddingParams`: to the longest encoding of the batch or to `length`, then
// rounded up to a multiple of `pad_to_multiple_of` (0 = no rounding). Never truncates.
struct PaddingOptions {
  bool to_longest = true;
  size_t length = 0;  // used when !to_longest
  size_t pad_to_multiple_of = 0;
};

// Half-open [begin, end) range. Special and padding tokens get [0, 0).
struct Offset {
  uint32_t begin = 0;
  uint32_t end = 0;
  friend bool operator==(const Offset&, const Offset&) = default;
};

// One encoded input (a text or a pair). All vectors have one entry per token.
struct Encoding {
  std::vector<int32_t> ids;
  std::vector<int32_t> type_ids;             // 0 for text A (and its specials), 1 for text B
  std::vector<int32_t> attention_mask;       // 1, or 0 for padding
  std::vector<int32_t> special_tokens_mask;  // 1 for [CLS]/[SEP]/padding, 0 for text tokens
  std::vector<Offset> offsets;       // code points of the original text the token came from
  std::vector<Offset> byte_offsets;  // the same range in bytes
  std::vector<int32_t> word_ids;     // index of the pre-tokenized word in its text; -1 for specials
  std::vector<int32_t> sequence_ids;  // 0 (text A), 1 (text B), -1 for specials and padding

  size_t size() const { return ids.size(); }
  // Empties every vector but keeps its capacity, so a reused Encoding does not allocate.
  void clear();
};

// How text is normalized and split; read from tokenizer_config.json / tokenizer.json, or set
// directly. Defaults are those of bert-base-uncased.
struct TokenizerConfig {
  bool clean_text = true;
  bool handle_chinese_chars = true;
  bool lowercase = true;
  std::optional<bool> strip_accents;  // unset: follows `lowercase` (HF BertNormalizer default)
  size_t max_input_chars_per_word = 100;
  std::string continuing_subword_prefix = "##";
  std::string unk_token = "[UNK]";
  std::string cls_token = "[CLS]";
  std::string sep_token = "[SEP]";
  std::string pad_token = "[PAD]";
  std::string mask_token = "[MASK]";
  size_t model_max_length = 512;
};

class Tokenizer {
 public:
  // Loads DIR/tokenizer.json when present (WordPiece model; a missing "type" is accepted), else
  // DIR/vocab.txt; DIR/tokenizer_config.json, when present, sets do_lower_case, strip_accents,
  // tokenize_chinese_chars, model_max_length and the special tokens. Throws encore::Error.
  static Tokenizer from_dir(const std::string& dir);
  // The same from the files' contents (nullopt = absent), e.g. embedded in a .encore file;
  // `source` stands for the folder in error messages.
  static Tokenizer from_contents(std::optional<std::string_view> tokenizer_json,
                                 std::optional<std::string_view> vocab_txt,
                                 std::optional<std::string_view> tokenizer_config_json,
                                 const std::string& source);
  // A vocab.txt's contents (one token per line, id = line number) and an explicit config.
  static Tokenizer from_vocab(std::string_view vocab_txt, const TokenizerConfig& config = {});
  // A tokenizer.json's contents; `config` supplies what the file does not say.
  static Tokenizer from_json(std::string_view tokenizer_json, const TokenizerConfig& config = {});

  // Encodes one text into `out` (cleared first). Throws encore::Error (encore/error.h) naming
  // the byte position on invalid UTF-8, and when truncation cannot reach max_length (as HF does).
  void encode(std::string_view text, const EncodeOptions& options, Encoding& out) const;
  void encode_pair(std::string_view first, std::string_view second, const EncodeOptions& options,
                   Encoding& out) const;
  // Encodes each text in order on the calling thread; `out` is resized to texts.size() and its
  // elements reused.
  void encode_batch(std::span<const std::string_view> texts, const EncodeOptions& options,
                    std::vector<Encoding>& out) const;

  // Pads every encoding of the batch on the right with `pad_id` (type id 0, mask 0, offsets [0,0)).
  static void pad(std::span<Encoding> batch, const PaddingOptions& options, int32_t pad_id);

  // The token's text; empty for an id outside the vocabulary.
  std::string_view id_to_token(int32_t id) const;
  // -1 when the token is not in the vocabulary.
  int32_t token_to_id(std::string_view token) const;
  size_t vocab_size() const;
  int32_t cls_id() const;
  int32_t sep_id() const;
  int32_t pad_id() const;
  int32_t unk_id() const;
  int32_t mask_id() const;
  size_t model_max_length() const;
  const TokenizerConfig& config() const;

  struct Impl;

 private:
  explicit Tokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace encore
