// JSON for task results, in Hugging Face pipeline / TEI shapes; shared by `encore predict` and
// the HTTP server so both answer alike.
#pragma once

#include <cstdint>
#include <span>

#include "encore/encore.h"
#include "support/json_writer.h"

namespace encore::api {

// [{"label": "joy", "score": 0.98}, ...]
void write_labels(JsonWriter& json, std::span<const LabelScore> labels);

// Aggregation::kNone: [{"entity", "score", "index", "word", "start", "end"}, ...];
// otherwise [{"entity_group", "score", "word", "start", "end"}, ...].
void write_entities(JsonWriter& json, std::span<const Entity> entities, Aggregation aggregation);

// Pooled: [x, ...]; Pooling::kTokens: [[x, ...], ...] one array per token.
void write_embedding(JsonWriter& json, const Embedding& embedding, Pooling pooling);

// [{"index": 2, "score": 0.93}, ...] best first, as TEI's /rerank.
void write_ranking(JsonWriter& json, std::span<const RankScore> scores);

// One row of a forward pass without its padding, as `encore predict --jsonl` prints it:
// {"ids": [...], "logits": [...]} for a sequence head, {"ids", "token_logits": [[...], ...]} for a
// token head, {"ids", "last_hidden_state": [[...], ...]} for a base model. `with_hidden_state`
// adds last_hidden_state to the head's output.
void write_raw_row(JsonWriter& json, const RawOutput& output, int64_t row, bool with_hidden_state);

}  // namespace encore::api
