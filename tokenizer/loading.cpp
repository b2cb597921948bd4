#include "tokenizer/loading.h"

#include <simdjson.h>

#include "support/error.h"

namespace encore::tok {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

element parse(simdjson::dom::parser& parser, std::string_view json, const std::string& name) {
  element root;
  if (auto error = parser.parse(json.data(), json.size()).get(root)) {
    throw_error(name, ": not valid JSON (", simdjson::error_message(error), ")");
  }
  return root;
}

// The value of `key` when present and not null.
bool find(object fields, std::string_view key, element& value) {
  return fields[key].get(value) == simdjson::SUCCESS && !value.is_null();
}

bool read_bool(object fields, std::string_view key, const std::string& name, bool& out) {
  element value;
  if (!find(fields, key, value)) return false;
  if (value.get(out) != simdjson::SUCCESS) throw_error(name, ": '", key, "' must be true or false");
  return true;
}

bool read_string(object fields, std::string_view key, const std::string& name, std::string& out) {
  element value;
  if (!find(fields, key, value)) return false;
  std::string_view text;
  // transformers writes special tokens either as strings or as AddedToken objects. (get(), not
  // operator=: a missing "content" must be our error, not a simdjson exception.)
  element content = value;
  if (value.is_object() && value["content"].get(content) != simdjson::SUCCESS) content = value;
  if (content.get(text) != simdjson::SUCCESS) {
    throw_error(name, ": '", key, "' must be a string (or an object with a string 'content')");
  }
  out = text;
  return true;
}

object read_object(element value, std::string_view what, const std::string& name) {
  object fields;
  if (value.get(fields) != simdjson::SUCCESS) throw_error(name, ": ", what, " must be an object");
  return fields;
}

void require_type(object fields, std::string_view what, std::string_view expected,
                  const std::string& name) {
  std::string type;
  if (read_string(fields, "type", name, type) && type != expected) {
    throw_error(name, ": ", what, " type '", type, "' is not supported (encore implements ",
                expected, ")");
  }
}

void read_model(object model, const std::string& name, TokenizerConfig& config, Vocab& vocab) {
  require_type(model, "model", "WordPiece", name);  // a missing "type" is accepted
  element vocab_json;
  if (!find(model, "vocab", vocab_json)) throw_error(name, ": model has no vocab");
  for (auto [token, id_value] : read_object(vocab_json, "model.vocab", name)) {
    int64_t id;
    if (id_value.get(id) != simdjson::SUCCESS || id < 0 || id > Vocab::kMaxId) {
      throw_error(name, ": model.vocab['", token, "'] is not a valid id (an integer in [0, ",
                  Vocab::kMaxId, "])");
    }
    vocab.add(token, static_cast<int32_t>(id));
  }
  read_string(model, "unk_token", name, config.unk_token);
  read_string(model, "continuing_subword_prefix", name, config.continuing_subword_prefix);
  element max_chars;
  if (find(model, "max_input_chars_per_word", max_chars)) {
    uint64_t value;
    if (max_chars.get(value) != simdjson::SUCCESS) {
      throw_error(name, ": model.max_input_chars_per_word must be a non-negative integer");
    }
    config.max_input_chars_per_word = value;
  }
}

void read_normalizer(object normalizer, const std::string& name, TokenizerConfig& config) {
  require_type(normalizer, "normalizer", "BertNormalizer", name);
  read_bool(normalizer, "clean_text", name, config.clean_text);
  read_bool(normalizer, "handle_chinese_chars", name, config.handle_chinese_chars);
  read_bool(normalizer, "lowercase", name, config.lowercase);
  bool strip = false;
  config.strip_accents.reset();
  if (read_bool(normalizer, "strip_accents", name, strip)) config.strip_accents = strip;
}

// TemplateProcessing: the specials around A in "single" are [CLS] and [SEP];
// BertProcessing: "cls" and "sep" are [token, id] pairs.
void read_post_processor(object processor, const std::string& name, TokenizerConfig& config) {
  std::string type;
  read_string(processor, "type", name, type);
  if (type == "BertProcessing") {
    std::string_view cls, sep;
    if (processor["cls"].at(0).get(cls) == simdjson::SUCCESS) config.cls_token = cls;
    if (processor["sep"].at(0).get(sep) == simdjson::SUCCESS) config.sep_token = sep;
    return;
  }
  if (type != "TemplateProcessing") {
    throw_error(name, ": post_processor type '", type,
                "' is not supported (encore implements the BERT template)");
  }
  simdjson::dom::array single;
  if (processor["single"].get(single) != simdjson::SUCCESS) return;
  std::vector<std::string> specials;
  for (element piece : single) {
    std::string_view id;
    if (piece["SpecialToken"]["id"].get(id) == simdjson::SUCCESS) specials.emplace_back(id);
  }
  if (specials.size() == 2) {
    config.cls_token = specials[0];
    config.sep_token = specials[1];
  }
}

}  // namespace

void read_vocab_txt(std::string_view text, Vocab& vocab) {
  int32_t id = 0;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    vocab.add(line, id++);
    if (newline == std::string_view::npos) break;
    text.remove_prefix(newline + 1);
  }
}

void read_tokenizer_json(std::string_view json, const std::string& name, TokenizerConfig& config,
                         Vocab& vocab, std::vector<AddedToken>& added) {
  simdjson::dom::parser parser;
  const object root = read_object(parse(parser, json, name), "the document", name);
  element value;
  if (!find(root, "model", value)) throw_error(name, ": no model");
  read_model(read_object(value, "model", name), name, config, vocab);
  if (find(root, "normalizer", value)) {
    read_normalizer(read_object(value, "normalizer", name), name, config);
  }
  if (find(root, "pre_tokenizer", value)) {
    require_type(read_object(value, "pre_tokenizer", name), "pre_tokenizer", "BertPreTokenizer",
                 name);
  }
  if (find(root, "post_processor", value)) {
    read_post_processor(read_object(value, "post_processor", name), name, config);
  }
  if (find(root, "added_tokens", value)) {
    simdjson::dom::array tokens;
    if (value.get(tokens) != simdjson::SUCCESS) throw_error(name, ": added_tokens must be a list");
    for (element token : tokens) {
      std::string_view content;
      int64_t id;
      if (token["content"].get(content) != simdjson::SUCCESS ||
          token["id"].get(id) != simdjson::SUCCESS || id < 0 || id > INT32_MAX) {
        throw_error(name, ": each added token needs a string 'content' and an integer 'id'");
      }
      added.push_back({std::string(content), static_cast<int32_t>(id)});
    }
  }
}

void read_tokenizer_config(std::string_view json, const std::string& name,
                           TokenizerConfig& config) {
  simdjson::dom::parser parser;
  const object root = read_object(parse(parser, json, name), "the document", name);
  read_bool(root, "do_lower_case", name, config.lowercase);
  read_bool(root, "tokenize_chinese_chars", name, config.handle_chinese_chars);
  bool strip = false;
  if (read_bool(root, "strip_accents", name, strip)) config.strip_accents = strip;
  element max_length;
  if (find(root, "model_max_length", max_length)) {
    // transformers writes 1e30 for "no limit"; anything beyond int32 means the same.
    double value = 0;
    if (max_length.get(value) != simdjson::SUCCESS || value < 1) {
      throw_error(name, ": model_max_length must be a positive number");
    }
    config.model_max_length = value > INT32_MAX ? size_t{INT32_MAX} : static_cast<size_t>(value);
  }
  read_string(root, "unk_token", name, config.unk_token);
  read_string(root, "cls_token", name, config.cls_token);
  read_string(root, "sep_token", name, config.sep_token);
  read_string(root, "pad_token", name, config.pad_token);
  read_string(root, "mask_token", name, config.mask_token);
}

}  // namespace encore::tok
