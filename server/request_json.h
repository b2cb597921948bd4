// Request bodies of the model routes, parsed strictly with simdjson into the public API's types.
// A body that is not JSON, is not UTF-8 or nests deeper than kMaxJsonDepth is malformed (400);
// valid JSON of the wrong shape — missing or unknown keys, wrong types, parameters that do not
// apply to the served task — is unprocessable (422). Both throw HttpError naming the problem.
// Text views point into the simdjson parser's document: use a request before the next parse.
//
//   POST /predict   {"inputs": INPUTS, "parameters": {...}}
//     INPUTS: "text" | {"text": "a", "text_pair": "b"} | a non-empty list of texts and pairs
//     (a pair in a list may also be ["a", "b"]). parameters by task — classify and rank: top_k
//     (integer ≥ 1, or null for every label), function_to_apply; tokens: aggregation_strategy,
//     ignore_labels; embed: pooling, normalize; every task: truncation (default false).
//   POST /embed     {"inputs": "text" | ["text", ...], "normalize": true, "truncate": false,
//                    "pooling": "cls"}                                  (TEI, plus pooling)
//   POST /rerank    {"query": "q", "texts": ["p", ...], "raw_scores": false, "truncate": false}
//   POST /tokenize  {"inputs": "text" | ["text", ...], "add_special_tokens": true}
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "encore/encore.h"

namespace encore::server {

inline constexpr size_t kMaxJsonDepth = 32;

// A simdjson parser limited to kMaxJsonDepth. Throws HttpError(400) for malformed bodies.
class JsonBodyParser {
 public:
  JsonBodyParser();
  simdjson::dom::element parse(std::string_view body);

 private:
  simdjson::dom::parser parser_;
};

struct PredictRequest {
  std::vector<Input> inputs;
  bool batched = false;  // inputs was a list: answer with a list
  ClassifyOptions classify;
  TokenOptions tokens;
  EmbedOptions embed;
};

struct EmbedRequest {
  std::vector<Input> inputs;
  EmbedOptions options;
};

struct RerankRequest {
  std::string_view query;
  std::vector<std::string_view> texts;
  RankOptions options;
};

struct TokenizeRequest {
  std::vector<std::string_view> inputs;
  bool add_special_tokens = true;
};

// `task` is the served task: it decides which parameters /predict accepts.
PredictRequest parse_predict_request(simdjson::dom::element body, Task task);
EmbedRequest parse_embed_request(simdjson::dom::element body);
RerankRequest parse_rerank_request(simdjson::dom::element body);
TokenizeRequest parse_tokenize_request(simdjson::dom::element body);

}  // namespace encore::server
