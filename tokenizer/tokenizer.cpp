// encore::Tokenizer: loading, and the template ([CLS] A [SEP] B [SEP]) with truncation around the
// per-sequence work of SequenceEncoder.
#include <filesystem>
#include <memory>

#include "encore/tokenizer.h"
#include "support/error.h"
#include "support/mapped_file.h"
#include "tokenizer/loading.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/truncation.h"

namespace encore {
namespace {

// Per-thread scratch space: after the first few encodes on a thread nothing is allocated.
struct Workspace {
  tok::SequenceEncoder encoder;
  tok::SequenceTokens first, second;
};

Workspace& workspace() {
  thread_local Workspace scratch;
  return scratch;
}

int32_t required_id(const tok::Vocab& vocab, const std::string& token, std::string_view role,
                    std::string_view source) {
  const int32_t id = vocab.find(token);
  if (id < 0) throw_error(source, ": the ", role, " token '", token, "' is not in the vocabulary");
  return id;
}

std::shared_ptr<Tokenizer::Impl> finish(std::shared_ptr<Tokenizer::Impl> impl,
                                        const std::vector<tok::AddedToken>& added,
                                        std::string_view source) {
  const TokenizerConfig& config = impl->config;
  impl->vocab.finish(config.continuing_subword_prefix);
  impl->normalizer = {config.clean_text, config.handle_chinese_chars,
                      config.strip_accents.value_or(config.lowercase), config.lowercase};
  impl->unk_id = required_id(impl->vocab, config.unk_token, "unknown", source);
  impl->cls_id = required_id(impl->vocab, config.cls_token, "classifier", source);
  impl->sep_id = required_id(impl->vocab, config.sep_token, "separator", source);
  impl->pad_id = impl->vocab.find(config.pad_token);
  impl->mask_id = impl->vocab.find(config.mask_token);
  impl->wordpiece = tok::WordPiece(impl->vocab, impl->unk_id, config.max_input_chars_per_word);
  if (!added.empty()) {
    for (const tok::AddedToken& token : added) impl->special_tokens.add(token.content, token.id);
  } else {
    // A bare vocab.txt: transformers registers its special tokens as added tokens.
    for (const std::string* token : {&config.unk_token, &config.sep_token, &config.pad_token,
                                     &config.cls_token, &config.mask_token}) {
      const int32_t id = impl->vocab.find(*token);
      if (id >= 0) impl->special_tokens.add(*token, id);
    }
  }
  return impl;
}

bool exists(const std::string& path) {
  std::error_code error;
  return std::filesystem::is_regular_file(path, error);
}

}  // namespace

Tokenizer Tokenizer::from_vocab(std::string_view vocab_txt, const TokenizerConfig& config) {
  auto impl = std::make_shared<Impl>();
  impl->config = config;
  tok::read_vocab_txt(vocab_txt, impl->vocab);
  return Tokenizer(finish(std::move(impl), {}, "vocab.txt"));
}

Tokenizer Tokenizer::from_json(std::string_view tokenizer_json, const TokenizerConfig& config) {
  auto impl = std::make_shared<Impl>();
  impl->config = config;
  std::vector<tok::AddedToken> added;
  tok::read_tokenizer_json(tokenizer_json, "tokenizer.json", impl->config, impl->vocab, added);
  return Tokenizer(finish(std::move(impl), added, "tokenizer.json"));
}

Tokenizer Tokenizer::from_contents(std::optional<std::string_view> tokenizer_json,
                                   std::optional<std::string_view> vocab_txt,
                                   std::optional<std::string_view> tokenizer_config_json,
                                   const std::string& source) {
  auto impl = std::make_shared<Impl>();
  std::vector<tok::AddedToken> added;
  std::string name;
  if (tokenizer_json) {
    name = source + "/tokenizer.json";
    tok::read_tokenizer_json(*tokenizer_json, name, impl->config, impl->vocab, added);
  } else if (vocab_txt) {
    name = source + "/vocab.txt";
    tok::read_vocab_txt(*vocab_txt, impl->vocab);
  } else {
    throw_error(source, ": no tokenizer.json or vocab.txt");
  }
  // As transformers does, tokenizer_config.json has the last word on normalization.
  if (tokenizer_config_json) {
    tok::read_tokenizer_config(*tokenizer_config_json, source + "/tokenizer_config.json",
                               impl->config);
  }
  return Tokenizer(finish(std::move(impl), added, name));
}

Tokenizer Tokenizer::from_dir(const std::string& dir) {
  auto read_if_present = [&](const char* name) -> std::optional<std::string> {
    const std::string path = dir + "/" + name;
    if (!exists(path)) return std::nullopt;
    return read_text_file(path);
  };
  const auto json = read_if_present("tokenizer.json");
  const auto vocab = json ? std::nullopt : read_if_present("vocab.txt");
  const auto config = read_if_present("tokenizer_config.json");
  return from_contents(json, vocab, config, dir);
}

void Encoding::clear() {
  ids.clear();
  type_ids.clear();
  attention_mask.clear();
  special_tokens_mask.clear();
  offsets.clear();
  byte_offsets.clear();
  word_ids.clear();
  sequence_ids.clear();
}

namespace {

void append_special(Encoding& out, int32_t id, int32_t type_id) {
  out.ids.push_back(id);
  out.type_ids.push_back(type_id);
  out.attention_mask.push_back(1);
  out.special_tokens_mask.push_back(1);
  out.offsets.push_back({});
  out.byte_offsets.push_back({});
  out.word_ids.push_back(-1);
  out.sequence_ids.push_back(-1);
}

void append_sequence(Encoding& out, const tok::SequenceTokens& tokens, size_t count,
                     int32_t type_id) {
  out.ids.insert(out.ids.end(), tokens.ids.begin(), tokens.ids.begin() + count);
  out.offsets.insert(out.offsets.end(), tokens.offsets.begin(), tokens.offsets.begin() + count);
  out.byte_offsets.insert(out.byte_offsets.end(), tokens.byte_offsets.begin(),
                          tokens.byte_offsets.begin() + count);
  out.word_ids.insert(out.word_ids.end(), tokens.word_ids.begin(),
                      tokens.word_ids.begin() + count);
  out.type_ids.insert(out.type_ids.end(), count, type_id);
  out.attention_mask.insert(out.attention_mask.end(), count, 1);
  out.special_tokens_mask.insert(out.special_tokens_mask.end(), count, 0);
  out.sequence_ids.insert(out.sequence_ids.end(), count, type_id);
}

// HF's post_process: truncate, then apply the template.
void assemble(const Tokenizer::Impl& impl, const tok::SequenceTokens& first,
              const tok::SequenceTokens* second, const EncodeOptions& options, Encoding& out) {
  const bool pair = second != nullptr;
  const size_t added = options.add_special_tokens ? (pair ? 3 : 2) : 0;
  tok::KeptLengths kept{first.ids.size(), pair ? second->ids.size() : 0};
  if (options.max_length > 0) {
    kept = tok::truncate_lengths(
        tok::encoded_length(first.word_ids, first.is_special, options.max_length),
        pair ? tok::encoded_length(second->word_ids, second->is_special, options.max_length) : 0,
        pair,
        options.max_length, added, options.truncation);
  }
  out.clear();
  if (options.add_special_tokens) append_special(out, impl.cls_id, 0);
  append_sequence(out, first, kept.first, 0);
  if (options.add_special_tokens) append_special(out, impl.sep_id, 0);
  if (pair) {
    append_sequence(out, *second, kept.second, 1);
    if (options.add_special_tokens) append_special(out, impl.sep_id, 1);
  }
}

}  // namespace

void Tokenizer::encode(std::string_view text, const EncodeOptions& options, Encoding& out) const {
  out.clear();  // left empty if the text is refused
  Workspace& scratch = workspace();
  scratch.encoder.encode(*impl_, text, "text", scratch.first);
  assemble(*impl_, scratch.first, nullptr, options, out);
}

void Tokenizer::encode_pair(std::string_view first, std::string_view second,
                            const EncodeOptions& options, Encoding& out) const {
  out.clear();
  Workspace& scratch = workspace();
  scratch.encoder.encode(*impl_, first, "text", scratch.first);
  scratch.encoder.encode(*impl_, second, "text_pair", scratch.second);
  assemble(*impl_, scratch.first, &scratch.second, options, out);
}

void Tokenizer::encode_batch(std::span<const std::string_view> texts,
                             const EncodeOptions& options, std::vector<Encoding>& out) const {
  out.resize(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) encode(texts[i], options, out[i]);
}

void Tokenizer::pad(std::span<Encoding> batch, const PaddingOptions& options, int32_t pad_id) {
  size_t length = options.length;
  if (options.to_longest) {
    length = 0;
    for (const Encoding& encoding : batch) length = std::max(length, encoding.size());
  }
  if (options.pad_to_multiple_of > 0 && length % options.pad_to_multiple_of != 0) {
    length += options.pad_to_multiple_of - length % options.pad_to_multiple_of;
  }
  for (Encoding& encoding : batch) {
    if (encoding.size() >= length) continue;  // padding never truncates
    const size_t missing = length - encoding.size();
    encoding.ids.insert(encoding.ids.end(), missing, pad_id);
    encoding.type_ids.insert(encoding.type_ids.end(), missing, 0);
    encoding.attention_mask.insert(encoding.attention_mask.end(), missing, 0);
    encoding.special_tokens_mask.insert(encoding.special_tokens_mask.end(), missing, 1);
    encoding.offsets.insert(encoding.offsets.end(), missing, Offset{});
    encoding.byte_offsets.insert(encoding.byte_offsets.end(), missing, Offset{});
    encoding.word_ids.insert(encoding.word_ids.end(), missing, -1);
    encoding.sequence_ids.insert(encoding.sequence_ids.end(), missing, -1);
  }
}

std::string_view Tokenizer::id_to_token(int32_t id) const { return impl_->vocab.token(id); }
int32_t Tokenizer::token_to_id(std::string_view token) const { return impl_->vocab.find(token); }
size_t Tokenizer::vocab_size() const { return impl_->vocab.size(); }
int32_t Tokenizer::cls_id() const { return impl_->cls_id; }
int32_t Tokenizer::sep_id() const { return impl_->sep_id; }
int32_t Tokenizer::pad_id() const { return impl_->pad_id; }
int32_t Tokenizer::unk_id() const { return impl_->unk_id; }
int32_t Tokenizer::mask_id() const { return impl_->mask_id; }
size_t Tokenizer::model_max_length() const { return impl_->config.model_max_length; }
const TokenizerConfig& Tokenizer::config() const { return impl_->config; }

}  // namespace encore
