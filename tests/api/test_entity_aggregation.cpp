// Token classification post-processing: each aggregation strategy of transformers'
// TokenClassificationPipeline worked by hand on made-up probabilities, chosen so that first,
// average and max disagree.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "engine/api/entity_aggregation.h"

using encore::Aggregation;
using encore::Entity;
using encore::api::PreEntity;

namespace {

const std::vector<std::string> kLabels = {"O", "B-ORG", "I-ORG", "B-PER", "I-PER"};
const std::vector<std::string> kIgnoreO = {"O"};

// "microsoft bought hugs" as micro|##soft bought hu|##gs ([CLS] is token 0).
//                                          O     B-ORG  I-ORG  B-PER  I-PER
const std::vector<float> kMicro = {0.10f, 0.50f, 0.10f, 0.20f, 0.10f};  // B-ORG .5
const std::vector<float> kSoft = {0.10f, 0.05f, 0.05f, 0.70f, 0.10f};   // B-PER .7
const std::vector<float> kBought = {0.90f, 0.025f, 0.025f, 0.025f, 0.025f};
const std::vector<float> kHu = {0.00f, 0.48f, 0.00f, 0.46f, 0.06f};  // B-ORG .48
const std::vector<float> kGs = {0.00f, 0.49f, 0.00f, 0.50f, 0.01f};  // B-PER .5

std::vector<PreEntity> microsoft_bought_hugs() {
  return {
      {"micro", kMicro, {0, 5}, 1, false},     {"##soft", kSoft, {5, 9}, 2, true},
      {"bought", kBought, {10, 16}, 3, false}, {"hu", kHu, {17, 19}, 4, false},
      {"##gs", kGs, {19, 21}, 5, true},
  };
}

std::vector<Entity> run(const std::vector<PreEntity>& tokens, Aggregation aggregation,
                        const std::vector<std::string>& ignore = kIgnoreO,
                        const std::vector<std::string>& labels = kLabels) {
  std::vector<Entity> out;
  encore::api::aggregate_entities(tokens, aggregation, labels, ignore, "##", out);
  return out;
}

void check_entity(const Entity& entity, const std::string& name, double score,
                  const std::string& word, uint32_t start, uint32_t end, int32_t index = -1) {
  CHECK(entity.entity == name);
  CHECK(entity.score == doctest::Approx(score).epsilon(1e-6));
  CHECK(entity.word == word);
  CHECK(entity.start == start);
  CHECK(entity.end == end);
  CHECK(entity.index == index);
}

}  // namespace

TEST_CASE("none: one result per token with its best label, O dropped") {
  const auto out = run(microsoft_bought_hugs(), Aggregation::kNone);
  REQUIRE(out.size() == 4);
  check_entity(out[0], "B-ORG", 0.5, "micro", 0, 5, 1);
  check_entity(out[1], "B-PER", 0.7, "##soft", 5, 9, 2);
  check_entity(out[2], "B-ORG", 0.48, "hu", 17, 19, 4);
  check_entity(out[3], "B-PER", 0.5, "##gs", 19, 21, 5);
}

TEST_CASE("simple: tokens grouped by tag, words may split") {
  const auto out = run(microsoft_bought_hugs(), Aggregation::kSimple);
  REQUIRE(out.size() == 4);
  // A group starting with a piece keeps its "##", as the WordPiece decoder leaves a first token.
  check_entity(out[0], "ORG", 0.5, "micro", 0, 5);
  check_entity(out[1], "PER", 0.7, "##soft", 5, 9);
  check_entity(out[2], "ORG", 0.48, "hu", 17, 19);
  check_entity(out[3], "PER", 0.5, "##gs", 19, 21);
}

TEST_CASE("first: a word takes its first token's label") {
  const auto out = run(microsoft_bought_hugs(), Aggregation::kFirst);
  REQUIRE(out.size() == 2);
  check_entity(out[0], "ORG", 0.5, "microsoft", 0, 9);
  check_entity(out[1], "ORG", 0.48, "hugs", 17, 21);
}

TEST_CASE("max: a word takes the label of its most confident token") {
  const auto out = run(microsoft_bought_hugs(), Aggregation::kMax);
  REQUIRE(out.size() == 2);
  check_entity(out[0], "PER", 0.7, "microsoft", 0, 9);
  check_entity(out[1], "PER", 0.5, "hugs", 17, 21);
}

TEST_CASE("average: a word takes the best label of its tokens' mean scores") {
  const auto out = run(microsoft_bought_hugs(), Aggregation::kAverage);
  REQUIRE(out.size() == 2);
  // microsoft: mean = [.1, .275, .075, .45, .1] → B-PER; hugs: [0, .485, 0, .48, .035] → B-ORG.
  check_entity(out[0], "PER", 0.45, "microsoft", 0, 9);
  check_entity(out[1], "ORG", 0.485, "hugs", 17, 21);
}

TEST_CASE("ignore_labels empty keeps the O words as their own group") {
  const auto out = run(microsoft_bought_hugs(), Aggregation::kFirst, {});
  REQUIRE(out.size() == 3);
  check_entity(out[1], "O", 0.9, "bought", 10, 16);
}

TEST_CASE("grouping: I- continues a tag, B- starts a new entity, scores are averaged") {
  //                                O     B-LOC  I-LOC  B-PER
  const std::vector<std::string> labels = {"O", "B-LOC", "I-LOC", "B-PER"};
  const std::vector<float> b_loc = {0.1f, 0.8f, 0.05f, 0.05f};
  const std::vector<float> i_loc = {0.1f, 0.1f, 0.6f, 0.2f};
  const std::vector<float> b_per = {0.0f, 0.1f, 0.0f, 0.9f};
  const std::vector<PreEntity> tokens = {
      {"new", b_loc, {0, 3}, 1, false},   {"york", i_loc, {4, 8}, 2, false},
      {"city", i_loc, {9, 13}, 3, false}, {"ann", b_per, {14, 17}, 4, false},
      {"bob", b_per, {18, 21}, 5, false},
  };
  const auto out = run(tokens, Aggregation::kSimple, kIgnoreO, labels);
  REQUIRE(out.size() == 3);
  check_entity(out[0], "LOC", (0.8 + 0.6 + 0.6) / 3, "new york city", 0, 13);
  check_entity(out[1], "PER", 0.9, "ann", 14, 17);
  check_entity(out[2], "PER", 0.9, "bob", 18, 21);
}

TEST_CASE("labels without B-/I- continue each other; the group is named after the last '-'") {
  const std::vector<std::string> labels = {"O", "PER", "B-X-Y"};
  const std::vector<float> per = {0.2f, 0.7f, 0.1f};
  const std::vector<float> xy = {0.1f, 0.1f, 0.8f};
  const std::vector<PreEntity> tokens = {
      {"ann", per, {0, 3}, 1, false},
      {"lee", per, {4, 7}, 2, false},
      {"zed", xy, {8, 11}, 3, false},
  };
  const auto out = run(tokens, Aggregation::kSimple, kIgnoreO, labels);
  REQUIRE(out.size() == 2);
  check_entity(out[0], "PER", 0.7, "ann lee", 0, 7);
  check_entity(out[1], "Y", 0.8, "zed", 8, 11);
}

TEST_CASE("no tokens, no entities") {
  for (auto aggregation : {Aggregation::kNone, Aggregation::kSimple, Aggregation::kFirst,
                           Aggregation::kAverage, Aggregation::kMax}) {
    CHECK(run({}, aggregation).empty());
  }
}

TEST_CASE("words are joined as the WordPiece decoder does") {
  using encore::api::join_wordpieces;
  const std::vector<std::string_view> sentence = {"hello", ",", "world", "!", "isn", "'", "t"};
  CHECK(join_wordpieces(sentence, "##") == "hello, world! isn ' t");
  const std::vector<std::string_view> contraction = {"do", "n't", "go", "."};
  CHECK(join_wordpieces(contraction, "##") == "don't go.");
  const std::vector<std::string_view> pieces = {"##em", "##bed", "##ding", "s"};
  CHECK(join_wordpieces(pieces, "##") == "##embedding s");
}
