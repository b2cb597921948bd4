// The JSON shapes of task results (Hugging Face pipelines / TEI), shared by CLI and server.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "encore/encore.h"
#include "engine/api/task_json.h"
#include "support/error.h"

using encore::Aggregation;
using encore::JsonWriter;

TEST_CASE("labels") {
  std::string out;
  JsonWriter json(out);
  const std::vector<encore::LabelScore> labels = {{1, "joy", 0.75f}, {0, "sadness", 0.25f}};
  encore::api::write_labels(json, labels);
  CHECK(out == R"([{"label":"joy","score":0.75},{"label":"sadness","score":0.25}])");
}

TEST_CASE("entities: tokens carry an index, groups an entity_group") {
  const std::vector<encore::Entity> entities = {{"B-PER", 0.5f, "ann", 0, 3, 1}};
  std::string tokens, groups;
  JsonWriter tokens_json(tokens), groups_json(groups);
  encore::api::write_entities(tokens_json, entities, Aggregation::kNone);
  encore::api::write_entities(groups_json, entities, Aggregation::kFirst);
  CHECK(tokens == R"([{"entity":"B-PER","score":0.5,"index":1,"word":"ann","start":0,"end":3}])");
  CHECK(groups == R"([{"entity_group":"B-PER","score":0.5,"word":"ann","start":0,"end":3}])");
}

TEST_CASE("embeddings: one vector pooled, one per token otherwise") {
  const encore::Embedding one_token = {{0.5f, -1.0f}, 1, 2};
  std::string pooled, tokens;
  JsonWriter pooled_json(pooled), tokens_json(tokens);
  encore::api::write_embedding(pooled_json, one_token, encore::Pooling::kMean);
  encore::api::write_embedding(tokens_json, one_token, encore::Pooling::kTokens);
  CHECK(pooled == "[0.5,-1]");
  CHECK(tokens == "[[0.5,-1]]");
}

TEST_CASE("ranking") {
  std::string out;
  JsonWriter json(out);
  const std::vector<encore::RankScore> scores = {{2, 0.75f}, {0, 0.5f}};
  encore::api::write_ranking(json, scores);
  CHECK(out == R"([{"index":2,"score":0.75},{"index":0,"score":0.5}])");
}

TEST_CASE("raw rows drop padding and name the outputs by head") {
  // Two rows padded to 3 tokens, 2 labels, hidden size 1; row 1 has 2 real tokens.
  std::vector<encore::Encoding> encodings(2);
  encodings[0].ids = {101, 7, 102};
  encodings[0].attention_mask = {1, 1, 1};
  encodings[1].ids = {101, 102, 0};
  encodings[1].attention_mask = {1, 1, 0};
  const std::vector<float> hidden = {1, 2, 3, 4, 5, 6};
  const std::vector<float> token_logits = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  const std::vector<float> logits = {1, 2, 3, 4};
  encore::RawOutput raw{2, 3, 1, 2, true, encodings, hidden, token_logits};

  std::string out;
  {
    JsonWriter json(out);
    encore::api::write_raw_row(json, raw, 1, false);
  }
  CHECK(out == R"({"ids":[101,102],"token_logits":[[7,8],[9,10]]})");

  raw.logits_per_token = false;
  raw.logits = logits;
  out.clear();
  {
    JsonWriter json(out);
    encore::api::write_raw_row(json, raw, 1, true);
  }
  CHECK(out == R"({"ids":[101,102],"logits":[3,4],"last_hidden_state":[[4],[5]]})");

  raw.num_labels = 0;
  raw.logits = {};
  out.clear();
  {
    JsonWriter json(out);
    encore::api::write_raw_row(json, raw, 0, false);
  }
  CHECK(out == R"({"ids":[101,7,102],"last_hidden_state":[[1],[2],[3]]})");
}

TEST_CASE("names parse back, and unknown names list the valid ones") {
  for (auto aggregation : {Aggregation::kNone, Aggregation::kSimple, Aggregation::kFirst,
                           Aggregation::kAverage, Aggregation::kMax}) {
    CHECK(encore::parse_aggregation(encore::aggregation_name(aggregation)) == aggregation);
  }
  CHECK(encore::parse_task("rank") == encore::Task::kRank);
  CHECK(encore::parse_function("sigmoid") == encore::ClassificationFunction::kSigmoid);
  CHECK(encore::parse_pooling("mean") == encore::Pooling::kMean);
  CHECK(encore::parse_precision("fp32") == encore::Precision::kFp32);
  CHECK(encore::parse_precision("bf16") == encore::Precision::kBf16);
  CHECK(encore::parse_precision("int8") == encore::Precision::kInt8);
  CHECK_THROWS_WITH_AS(encore::parse_pooling("median"),
                       "unknown pooling 'median' (valid: cls, mean, tokens)", encore::Error);
  CHECK_THROWS_AS(encore::parse_precision("int4"), encore::Error);
}
