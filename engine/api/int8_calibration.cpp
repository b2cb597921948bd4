#include "engine/api/int8_calibration.h"

#include <algorithm>

#include "engine/packed_model.h"
#include "support/error.h"

namespace encore::api {

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
