#include "server/request_json.h"

#include <initializer_list>

#include "server/http_error.h"
#include "support/error.h"

namespace encore::server {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

[[noreturn]] void unprocessable(const std::string& message) {
  throw HttpError(422, message);
}

object as_object(element value, std::string_view what) {
  object result;
  if (value.get(result) != simdjson::SUCCESS)
    unprocessable(std::string(what) + " must be a JSON object");
  return result;
}

// Strictness: a misspelled key ("normalise") is an error, not a silently ignored option.
void check_keys(object fields, std::initializer_list<std::string_view> allowed,
                std::string_view where) {
  for (auto field : fields) {
    bool known = false;
    for (auto name : allowed) known |= field.key == name;
    if (known) continue;
    std::string message = "unknown key '" + std::string(field.key) + "' in " + std::string(where) +
                          " (expected one of:";
    for (auto name : allowed) message.append(" ").append(name);
    unprocessable(message + ")");
  }
}

std::string_view as_string(element value, std::string_view what) {
  std::string_view text;
  if (value.get(text) != simdjson::SUCCESS) unprocessable(std::string(what) + " must be a string");
  return text;
}

bool as_bool(element value, std::string_view what) {
  bool flag = false;
  if (value.get(flag) != simdjson::SUCCESS)
    unprocessable(std::string(what) + " must be true or false");
  return flag;
}

// The parse_* functions of encore.h name the valid choices; the client gets that message.
template <typename Parse>
auto as_choice(element value, std::string_view what, Parse parse) {
  const std::string_view name = as_string(value, what);
  try {
    return parse(name);
  } catch (const Error& e) {
    unprocessable(std::string(what) + ": " + e.what());
  }
}

Input as_pair(element value, std::string_view what) {
  if (value.type() == element_type::ARRAY) {
    const array parts = value.get_array().value();
    if (parts.size() != 2)
      unprocessable(std::string(what) + ": a pair must have exactly two texts");
    return Input::of_pair(as_string(parts.at(0).value(), what),
                          as_string(parts.at(1).value(), what));
  }
  object fields = as_object(value, what);
  check_keys(fields, {"text", "text_pair"}, what);
  element text, pair;
  if (fields["text"].get(text) != simdjson::SUCCESS ||
      fields["text_pair"].get(pair) != simdjson::SUCCESS) {
    unprocessable(std::string(what) + ": a pair needs \"text\" and \"text_pair\"");
  }
  return Input::of_pair(as_string(text, what), as_string(pair, what));
}

// "text" | pair object | non-empty list of texts and pairs.
std::vector<Input> as_inputs(element value, bool allow_pairs, bool& batched) {
  std::vector<Input> inputs;
  batched = value.type() == element_type::ARRAY;
  if (!batched) {
    if (allow_pairs && value.type() == element_type::OBJECT) {
      inputs.push_back(as_pair(value, "inputs"));
    } else {
      inputs.push_back(
          Input::of_text(as_string(value, allow_pairs ? "inputs (or a pair object)" : "inputs")));
    }
    return inputs;
  }
  const array items = value.get_array().value();
  for (element item : items) {
    if (item.type() == element_type::STRING) {
      inputs.push_back(Input::of_text(as_string(item, "inputs[]")));
    } else if (allow_pairs) {
      inputs.push_back(as_pair(item, "inputs[]"));
    } else {
      unprocessable("inputs[] must be strings");
    }
  }
  if (inputs.empty()) unprocessable("inputs must not be an empty list");
  return inputs;
}

element required(object fields, std::string_view key) {
  element value;
  if (fields[key].get(value) != simdjson::SUCCESS) {
    unprocessable("missing required key '" + std::string(key) + "'");
  }
  return value;
}

void parse_predict_parameters(object parameters, Task task, PredictRequest& request) {
  switch (task) {
    case Task::kClassify:
    case Task::kRank:
      check_keys(parameters, {"top_k", "function_to_apply", "truncation"}, "parameters");
      break;
    case Task::kTokens:
      check_keys(parameters, {"aggregation_strategy", "ignore_labels", "truncation"}, "parameters");
      break;
    case Task::kEmbed:
      check_keys(parameters, {"pooling", "normalize", "truncation"}, "parameters");
      break;
  }
  for (auto [key, value] : parameters) {
    if (key == "truncation") {
      const bool truncate = as_bool(value, "parameters.truncation");
      request.classify.truncate = request.tokens.truncate = request.embed.truncate = truncate;
    } else if (key == "top_k") {
      int64_t k = 0;
      if (value.is_null()) {
        request.classify.top_k.reset();
      } else if (value.get(k) == simdjson::SUCCESS && k >= 1) {
        request.classify.top_k = static_cast<size_t>(k);
      } else {
        unprocessable("parameters.top_k must be an integer >= 1 or null");
      }
    } else if (key == "function_to_apply") {
      request.classify.function = as_choice(value, "parameters.function_to_apply", parse_function);
    } else if (key == "aggregation_strategy") {
      request.tokens.aggregation =
          as_choice(value, "parameters.aggregation_strategy", parse_aggregation);
    } else if (key == "ignore_labels") {
      array labels;
      if (value.get(labels) != simdjson::SUCCESS)
        unprocessable("parameters.ignore_labels must be a list of strings");
      request.tokens.ignore_labels.clear();
      for (element label : labels) {
        request.tokens.ignore_labels.emplace_back(as_string(label, "parameters.ignore_labels[]"));
      }
    } else if (key == "pooling") {
      request.embed.pooling = as_choice(value, "parameters.pooling", parse_pooling);
    } else if (key == "normalize") {
      request.embed.normalize = as_bool(value, "parameters.normalize");
    }
  }
}

}  // namespace

JsonBodyParser::JsonBodyParser() {
  if (parser_.allocate(64 * 1024, kMaxJsonDepth) != simdjson::SUCCESS) {
    throw_error("simdjson: cannot allocate the request parser");
  }
}

element JsonBodyParser::parse(std::string_view body) {
  if (body.empty()) throw HttpError(400, "the request body is empty: expected JSON");
  element doc;
  const auto error = parser_.parse(body.data(), body.size()).get(doc);
  switch (error) {
    case simdjson::SUCCESS:
      return doc;
    case simdjson::UTF8_ERROR:
      throw HttpError(400, "the request body is not valid UTF-8");
    case simdjson::DEPTH_ERROR:
      throw HttpError(
          400, "the request JSON nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    default:
      throw HttpError(400, std::string("the request body is not valid JSON: ") +
                               simdjson::error_message(error));
  }
}

PredictRequest parse_predict_request(element body, Task task) {
  object fields = as_object(body, "the request body");
  check_keys(fields, {"inputs", "parameters"}, "the request");
  PredictRequest request;
  request.inputs = as_inputs(required(fields, "inputs"), /*allow_pairs=*/true, request.batched);
  element parameters;
  if (fields["parameters"].get(parameters) == simdjson::SUCCESS && !parameters.is_null()) {
    parse_predict_parameters(as_object(parameters, "parameters"), task, request);
  }
  return request;
}

EmbedRequest parse_embed_request(element body) {
  object fields = as_object(body, "the request body");
  check_keys(fields, {"inputs", "normalize", "truncate", "pooling"}, "the request");
  EmbedRequest request;
  request.options.normalize = true;  // TEI's default
  bool batched = false;
  request.inputs = as_inputs(required(fields, "inputs"), /*allow_pairs=*/false, batched);
  for (auto [key, value] : fields) {
    if (key == "normalize") request.options.normalize = as_bool(value, "normalize");
    if (key == "truncate") request.options.truncate = as_bool(value, "truncate");
    if (key == "pooling") request.options.pooling = as_choice(value, "pooling", parse_pooling);
  }
  if (request.options.pooling == Pooling::kTokens)
    unprocessable("pooling: /embed returns one vector per input (cls or mean)");
  return request;
}

RerankRequest parse_rerank_request(element body) {
  object fields = as_object(body, "the request body");
  check_keys(fields, {"query", "texts", "raw_scores", "truncate"}, "the request");
  RerankRequest request;
  request.query = as_string(required(fields, "query"), "query");
  array texts;
  if (required(fields, "texts").get(texts) != simdjson::SUCCESS)
    unprocessable("texts must be a list of strings");
  for (element text : texts) request.texts.push_back(as_string(text, "texts[]"));
  if (request.texts.empty()) unprocessable("texts must not be an empty list");
  for (auto [key, value] : fields) {
    if (key == "raw_scores") request.options.raw_scores = as_bool(value, "raw_scores");
    if (key == "truncate") request.options.truncate = as_bool(value, "truncate");
  }
  return request;
}

TokenizeRequest parse_tokenize_request(element body) {
  object fields = as_object(body, "the request body");
  check_keys(fields, {"inputs", "add_special_tokens"}, "the request");
  TokenizeRequest request;
  bool batched = false;  // TEI answers a list of lists either way
  for (const Input& input : as_inputs(required(fields, "inputs"), /*allow_pairs=*/false, batched)) {
    request.inputs.push_back(input.text);
  }
  element add_special;
  if (fields["add_special_tokens"].get(add_special) == simdjson::SUCCESS) {
    request.add_special_tokens = as_bool(add_special, "add_special_tokens");
  }
  return request;
}

}  // namespace encore::server
