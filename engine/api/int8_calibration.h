// int8 calibration on texts (engine/calibration.h, engine/gptq.h) for `encore optimize` and
// Model::load: texts → token ids with the model's tokenizer → Hessians of the Linears the int8
// recipe runs on int8 weights, ready for pack_model(…, &calibration).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "encore/tokenizer.h"
#include "engine/calibration.h"
#include "kernels/jit/cpu_features.h"
#include "loader/distilbert_weights.h"

namespace encore::api {

// How many of the built-in texts calibrate by default (tools/data/README.md has the numbers).
constexpr size_t kDefaultCalibrationTexts = 256;

// The calibration texts compiled into the library: JSON Lines {"lang", "text"} from the golden
// tokenizer rows, disjoint from the accuracy texts `encore optimize` reports on
// (tools/data/calibration-texts.jsonl.zst).
std::string_view builtin_calibration_texts();

// Tokenizes each text (truncated to the model's maximum length) and accumulates the Hessians of
// the Linears an int8 model packed at `level` runs on int8 weights. progress(done, total) after
// each text. Throws encore::Error for no texts.
engine::Int8Calibration calibrate_int8_on_texts(
    std::shared_ptr<const loader::DistilBertWeights> weights, const Tokenizer& tokenizer,
    std::span<const std::string> texts, jit::IsaLevel level,
    const std::function<void(size_t, size_t)>& progress = {});

}  // namespace encore::api
