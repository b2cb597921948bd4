// Fuzzes the request-body parsers of the model routes: any bytes must either parse or be refused
// with HttpError 400 or 422 — never another exception, a crash or a read outside the body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/http_error.h"
#include "server/request_json.h"

using namespace encore;
using namespace encore::server;

namespace {

template <typename Parse>
void expect_parse_or_refuse(JsonBodyParser& parser, std::string_view body, Parse parse) {
  try {
    parse(parser.parse(body));
  } catch (const HttpError& e) {
    if (e.status() != 400 && e.status() != 422) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static JsonBodyParser parser;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  for (Task task : {Task::kClassify, Task::kTokens, Task::kEmbed, Task::kRank}) {
    expect_parse_or_refuse(parser, body, [&](simdjson::dom::element doc) {
      PredictRequest request = parse_predict_request(doc, task);
      if (request.inputs.empty()) std::abort();
    });
  }
  expect_parse_or_refuse(parser, body,
                         [](simdjson::dom::element doc) { parse_embed_request(doc); });
  expect_parse_or_refuse(parser, body,
                         [](simdjson::dom::element doc) { parse_rerank_request(doc); });
  expect_parse_or_refuse(parser, body,
                         [](simdjson::dom::element doc) { parse_tokenize_request(doc); });
  return 0;
}
