// Text classification and ranking post-processing against transformers' documented rules, on
// hand-made logits.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/api/classification.h"
#include "engine/api/ranking.h"

using encore::ClassificationFunction;
using encore::LabelScore;
using encore::loader::ProblemType;

namespace {

std::vector<float> apply(ClassificationFunction function, std::vector<float> logits) {
  std::vector<float> scores(logits.size());
  encore::api::apply_function(function, logits, scores);
  return scores;
}

}  // namespace

TEST_CASE("the default function follows transformers' problem_type and num_labels rules") {
  using encore::api::default_function;
  CHECK(default_function(ProblemType::kRegression, 1) == ClassificationFunction::kNone);
  CHECK(default_function(ProblemType::kRegression, 3) == ClassificationFunction::kNone);
  CHECK(default_function(ProblemType::kMultiLabelClassification, 4) ==
        ClassificationFunction::kSigmoid);
  CHECK(default_function(ProblemType::kUnspecified, 1) == ClassificationFunction::kSigmoid);
  CHECK(default_function(ProblemType::kUnspecified, 6) == ClassificationFunction::kSoftmax);
  CHECK(default_function(ProblemType::kSingleLabelClassification, 6) ==
        ClassificationFunction::kSoftmax);
  // transformers tests num_labels == 1 before single_label_classification.
  CHECK(default_function(ProblemType::kSingleLabelClassification, 1) ==
        ClassificationFunction::kSigmoid);
}

TEST_CASE("softmax, sigmoid and none") {
  const std::vector<float> logits = {1.0f, -2.0f, 3.5f};
  const auto softmax = apply(ClassificationFunction::kSoftmax, logits);
  const double sum = std::exp(1.0) + std::exp(-2.0) + std::exp(3.5);
  for (size_t i = 0; i < logits.size(); ++i) {
    CHECK(softmax[i] == doctest::Approx(std::exp(double(logits[i])) / sum).epsilon(1e-6));
  }
  const auto sigmoid = apply(ClassificationFunction::kSigmoid, logits);
  for (size_t i = 0; i < logits.size(); ++i) {
    CHECK(sigmoid[i] == doctest::Approx(1.0 / (1.0 + std::exp(-double(logits[i])))).epsilon(1e-6));
  }
  CHECK(apply(ClassificationFunction::kNone, logits) == logits);
}

TEST_CASE("softmax stays finite for huge logits (the maximum is subtracted first)") {
  const auto scores = apply(ClassificationFunction::kSoftmax, {1000.0f, 1000.0f, -1000.0f});
  CHECK(scores[0] == doctest::Approx(0.5));
  CHECK(scores[1] == doctest::Approx(0.5));
  CHECK(scores[2] == 0.0f);
}

TEST_CASE("top_k picks the best labels, best first, ties in label order") {
  const std::vector<std::string> labels = {"sadness", "joy", "love", "anger"};
  const std::vector<float> scores = {0.1f, 0.4f, 0.1f, 0.4f};
  std::vector<LabelScore> out;

  encore::api::top_labels(scores, labels, 1, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].label == "joy");
  CHECK(out[0].label_id == 1);
  CHECK(out[0].score == 0.4f);

  encore::api::top_labels(scores, labels, std::nullopt, out);
  REQUIRE(out.size() == 4);
  CHECK(out[0].label == "joy");
  CHECK(out[1].label == "anger");
  CHECK(out[2].label == "sadness");
  CHECK(out[3].label == "love");

  encore::api::top_labels(scores, labels, 10, out);
  CHECK(out.size() == 4);
  encore::api::top_labels(scores, labels, 0, out);
  CHECK(out.empty());
}

TEST_CASE("rank scores: sigmoid of one logit, the last label's probability for several") {
  using encore::api::rank_score;
  const std::vector<float> one = {2.0f};
  CHECK(rank_score(one, false) == doctest::Approx(1.0 / (1.0 + std::exp(-2.0))));
  CHECK(rank_score(one, true) == 2.0f);
  const std::vector<float> two = {0.5f, 1.5f};
  CHECK(rank_score(two, false) == doctest::Approx(std::exp(1.5) / (std::exp(0.5) + std::exp(1.5))));
  CHECK(rank_score(two, true) == 1.5f);

  std::vector<encore::RankScore> scores = {{0, 0.2f}, {1, 0.9f}, {2, 0.2f}, {3, 0.5f}};
  encore::api::sort_by_score(scores);
  CHECK(scores[0].index == 1);
  CHECK(scores[1].index == 3);
  CHECK(scores[2].index == 0);
  CHECK(scores[3].index == 2);
}
