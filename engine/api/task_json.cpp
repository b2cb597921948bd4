#include "engine/api/task_json.h"

#include <algorithm>

namespace encore::api {
namespace {

// [[row 0], [row 1], ...] for the first `rows` rows of a [*, cols] matrix.
void write_matrix(JsonWriter& json, std::span<const float> values, int64_t rows, int64_t cols) {
  json.begin_array();
  for (int64_t r = 0; r < rows; ++r) json.array(values.subspan(r * cols, cols));
  json.end_array();
}

}  // namespace

void write_labels(JsonWriter& json, std::span<const LabelScore> labels) {
  json.begin_array();
  for (const auto& label : labels) {
    json.begin_object().key("label").value(label.label).key("score").value(label.score);
    json.end_object();
  }
  json.end_array();
}

void write_entities(JsonWriter& json, std::span<const Entity> entities, Aggregation aggregation) {
  const bool grouped = aggregation != Aggregation::kNone;
  json.begin_array();
  for (const auto& entity : entities) {
    json.begin_object().key(grouped ? "entity_group" : "entity").value(entity.entity);
    json.key("score").value(entity.score);
    if (!grouped) json.key("index").value(entity.index);
    json.key("word").value(entity.word);
    json.key("start").value(entity.start).key("end").value(entity.end);
    json.end_object();
  }
  json.end_array();
}

void write_embedding(JsonWriter& json, const Embedding& embedding, Pooling pooling) {
  if (pooling != Pooling::kTokens) {
    json.array(embedding.values);
  } else {
    write_matrix(json, embedding.values, embedding.rows, embedding.dim);
  }
}

void write_ranking(JsonWriter& json, std::span<const RankScore> scores) {
  json.begin_array();
  for (const auto& score : scores) {
    json.begin_object().key("index").value(score.index).key("score").value(score.score);
    json.end_object();
  }
  json.end_array();
}

void write_raw_row(JsonWriter& json, const RawOutput& output, int64_t row, bool with_hidden_state) {
  const Encoding& encoding = output.encodings[row];
  const auto& mask = encoding.attention_mask;
  const auto tokens = static_cast<int64_t>(std::count(mask.begin(), mask.end(), 1));
  const int64_t labels = output.num_labels;
  json.begin_object().key("ids").array(std::span(encoding.ids).first(tokens));
  if (output.logits_per_token) {
    json.key("token_logits");
    write_matrix(json, output.logits.subspan(row * output.seq * labels), tokens, labels);
  } else if (!output.logits.empty()) {
    json.key("logits").array(output.logits.subspan(row * labels, labels));
  }
  if (output.logits.empty() || with_hidden_state) {
    const int64_t dim = output.hidden_size;
    json.key("last_hidden_state");
    write_matrix(json, output.last_hidden_state.subspan(row * output.seq * dim), tokens, dim);
  }
  json.end_object();
}

}  // namespace encore::api
