#include <doctest/doctest.h>

#include <string>

#include "server/http_error.h"
#include "server/request_json.h"

using namespace encore;
using namespace encore::server;

namespace {

// The status a body gets, 0 when it parses.
template <typename Parse>
int status_of(std::string_view body, Parse parse) {
  JsonBodyParser parser;
  try {
    parse(parser.parse(body));
    return 0;
  } catch (const HttpError& e) {
    return e.status();
  }
}

int predict_status(std::string_view body, Task task = Task::kClassify) {
  return status_of(body, [&](simdjson::dom::element doc) { parse_predict_request(doc, task); });
}

}  // namespace

TEST_CASE("predict inputs: a text, a pair, or a list of both") {
  JsonBodyParser parser;
  PredictRequest one =
      parse_predict_request(parser.parse(R"({"inputs": "hello"})"), Task::kClassify);
  REQUIRE(one.inputs.size() == 1);
  CHECK_FALSE(one.batched);
  CHECK(one.inputs[0].text == "hello");
  CHECK_FALSE(one.inputs[0].text_pair);
  CHECK(one.classify.top_k == 1u);
  CHECK_FALSE(one.classify.truncate);

  PredictRequest pair = parse_predict_request(
      parser.parse(R"({"inputs": {"text": "q", "text_pair": "p"}})"), Task::kRank);
  REQUIRE(pair.inputs.size() == 1);
  CHECK(*pair.inputs[0].text_pair == "p");

  PredictRequest list = parse_predict_request(
      parser.parse(R"({"inputs": ["a", ["b", "c"], {"text": "d", "text_pair": "e"}],
                       "parameters": {"top_k": null, "function_to_apply": "none", "truncation": true}})"),
      Task::kClassify);
  REQUIRE(list.inputs.size() == 3);
  CHECK(list.batched);
  CHECK(list.inputs[1].text == "b");
  CHECK(*list.inputs[1].text_pair == "c");
  CHECK_FALSE(list.classify.top_k);
  CHECK(list.classify.function == ClassificationFunction::kNone);
  CHECK(list.classify.truncate);
}

TEST_CASE("predict parameters follow the served task") {
  JsonBodyParser parser;
  PredictRequest tokens = parse_predict_request(
      parser.parse(
          R"({"inputs": "x", "parameters": {"aggregation_strategy": "max", "ignore_labels": []}})"),
      Task::kTokens);
  CHECK(tokens.tokens.aggregation == Aggregation::kMax);
  CHECK(tokens.tokens.ignore_labels.empty());
  PredictRequest embed = parse_predict_request(
      parser.parse(R"({"inputs": "x", "parameters": {"pooling": "mean", "normalize": true}})"),
      Task::kEmbed);
  CHECK(embed.embed.pooling == Pooling::kMean);
  CHECK(embed.embed.normalize);

  CHECK(predict_status(R"({"inputs": "x", "parameters": {"pooling": "mean"}})", Task::kClassify) ==
        422);
  CHECK(predict_status(R"({"inputs": "x", "parameters": {"top_k": 2}})", Task::kTokens) == 422);
  CHECK(predict_status(R"({"inputs": "x", "parameters": {"aggregation_strategy": "most"}})",
                       Task::kTokens) == 422);
  CHECK(predict_status(R"({"inputs": "x", "parameters": {"top_k": 0}})") == 422);
  CHECK(predict_status(R"({"inputs": "x", "parameters": {"top_k": 1.5}})") == 422);
  CHECK(predict_status(R"({"inputs": "x", "parameters": {"truncation": "yes"}})") == 422);
  CHECK(predict_status(R"({"inputs": "x", "parameters": null})") == 0);
  CHECK(predict_status(R"({"inputs": "x", "parameters": []})") == 422);
}

TEST_CASE("malformed bodies are 400, wrong shapes 422") {
  CHECK(predict_status("") == 400);
  CHECK(predict_status("not json") == 400);
  CHECK(predict_status(R"({"inputs": "x"} trailing)") == 400);
  CHECK(predict_status("{\"inputs\": \"\xc3\x28\"}") == 400);      // invalid UTF-8
  CHECK(predict_status("{\"inputs\": \"\xed\xa0\x80\"}") == 400);  // UTF-16 surrogate as UTF-8
  const std::string deep =
      std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
  CHECK(predict_status(R"({"inputs": )" + deep + "}") == 400);
  const std::string ok_depth =
      std::string(kMaxJsonDepth - 2, '[') + std::string(kMaxJsonDepth - 2, ']');
  CHECK(predict_status(R"({"inputs": )" + ok_depth + "}") ==
        422);  // deep enough to parse, wrong shape

  CHECK(predict_status("[]") == 422);
  CHECK(predict_status("{}") == 422);
  CHECK(predict_status(R"({"inputs": 1})") == 422);
  CHECK(predict_status(R"({"inputs": []})") == 422);
  CHECK(predict_status(R"({"inputs": [1]})") == 422);
  CHECK(predict_status(R"({"inputs": [["a"]]})") == 422);
  CHECK(predict_status(R"({"inputs": [["a", "b", "c"]]})") == 422);
  CHECK(predict_status(R"({"inputs": {"text": "a"}})") == 422);
  CHECK(predict_status(R"({"inputs": "a", "extra": 1})") == 422);
}

TEST_CASE("TEI routes: embed, rerank, tokenize") {
  JsonBodyParser parser;
  EmbedRequest embed =
      parse_embed_request(parser.parse(R"({"inputs": ["a", "b"], "truncate": true})"));
  CHECK(embed.inputs.size() == 2);
  CHECK(embed.options.normalize);  // TEI default
  CHECK(embed.options.truncate);
  auto embed_status = [](std::string_view body) {
    return status_of(body, [](simdjson::dom::element doc) { parse_embed_request(doc); });
  };
  CHECK(embed_status(R"({"inputs": [["a", "b"]]})") == 422);
  CHECK(embed_status(R"({"inputs": "a", "pooling": "tokens"})") == 422);
  CHECK(embed_status(R"({"inputs": "a", "normalize": false, "pooling": "mean"})") == 0);

  RerankRequest rerank = parse_rerank_request(
      parser.parse(R"({"query": "q", "texts": ["x", "y"], "raw_scores": true})"));
  CHECK(rerank.query == "q");
  CHECK(rerank.texts.size() == 2);
  CHECK(rerank.options.raw_scores);
  auto rerank_status = [](std::string_view body) {
    return status_of(body, [](simdjson::dom::element doc) { parse_rerank_request(doc); });
  };
  CHECK(rerank_status(R"({"query": "q", "texts": []})") == 422);
  CHECK(rerank_status(R"({"texts": ["a"]})") == 422);
  CHECK(rerank_status(R"({"query": "q", "texts": "a"})") == 422);

  TokenizeRequest tokenize =
      parse_tokenize_request(parser.parse(R"({"inputs": "hello", "add_special_tokens": false})"));
  CHECK(tokenize.inputs.size() == 1);
  CHECK_FALSE(tokenize.add_special_tokens);
}
