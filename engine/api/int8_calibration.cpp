#include "engine/api/int8_calibration.h"

#include <simdjson.h>

#include <algorithm>

#include "engine/packed_model.h"
#include "support/error.h"

namespace encore::api {

std::vector<std::string> read_calibration_texts(std::string_view jsonl, const std::string& source,
                                                size_t max_texts) {
  std::vector<std::string> texts;
  simdjson::ondemand::parser parser;
  size_t line_number = 0;
  while (!jsonl.empty() && texts.size() < max_texts) {
    const size_t end = jsonl.find('\n');
    const std::string_view line = jsonl.substr(0, end);
    jsonl = end == std::string_view::npos ? std::string_view() : jsonl.substr(end + 1);
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const simdjson::padded_string padded(line);
    simdjson::ondemand::document doc;
    std::string_view text;
    if (parser.iterate(padded).get(doc) || doc["text"].get_string().get(text))
      throw_error(source, ": line ", line_number, " is not a JSON object with a string \"text\"");
    texts.emplace_back(text);
  }
  return texts;
}

engine::Int8Calibration calibrate_int8_on_texts(
    std::shared_ptr<const loader::DistilBertWeights> weights, const Tokenizer& tokenizer,
    std::span<const std::string> texts, jit::IsaLevel level,
    const std::function<void(size_t, size_t)>& progress) {
  if (texts.empty()) throw_error("int8 calibration: no texts");
  const size_t max_length = std::min(tokenizer.model_max_length(),
                                     static_cast<size_t>(weights->config.max_position_embeddings));
  std::vector<std::vector<int32_t>> sequences;
  Encoding encoding;
  for (const std::string& text : texts) {
    tokenizer.encode(text, {.max_length = max_length}, encoding);
    sequences.emplace_back(encoding.ids.begin(), encoding.ids.end());
  }
  return engine::calibrate_int8(
      std::move(weights), sequences,
      {.linears = engine::int8_weight_linears(level), .progress = progress});
}

}  // namespace encore::api
