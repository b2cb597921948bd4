// Session::last_stats(): the token counts every call reports (the server's x-compute-tokens and
// metrics) equal the tokenizer's own, for texts, pairs, truncation and every task.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "encore/encore.h"
#include "tests/loader/loader_test_util.h"

namespace {

using encore::Input;

std::shared_ptr<const encore::Model> load_tiny(const std::string& name) {
  const std::string dir = encore::test::tiny_model(name);
  if (!std::filesystem::exists(dir + "/config.json")) {
    MESSAGE("skipped: no tiny model at ", dir);
    return nullptr;
  }
  return encore::Model::load(dir, {.threads = 1});
}

size_t tokenizer_count(const encore::Model& model, const Input& input, bool truncate) {
  encore::EncodeOptions options;
  options.max_length = truncate ? model.max_length() : 0;
  encore::Encoding encoding;
  if (input.text_pair) {
    model.tokenizer().encode_pair(input.text, *input.text_pair, options, encoding);
  } else {
    model.tokenizer().encode(input.text, options, encoding);
  }
  return encoding.size();
}

void check_counts(const encore::Session& session, std::span<const Input> inputs, bool truncate) {
  const encore::RunStats& stats = session.last_stats();
  const encore::Model& model = session.model();
  REQUIRE(stats.inputs == inputs.size());
  REQUIRE(stats.tokens_per_input.size() == inputs.size());
  size_t total = 0, longest = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const size_t expected = tokenizer_count(model, inputs[i], truncate);
    CHECK(stats.tokens_per_input[i] == expected);
    total += expected;
    longest = std::max(longest, expected);
  }
  CHECK(stats.input_tokens == total);
  CHECK(stats.padded_tokens == longest * inputs.size());
  CHECK(stats.tokenize_ms >= 0);
  CHECK(stats.inference_ms > 0);
  CHECK(stats.postprocess_ms >= 0);
}

}  // namespace

TEST_CASE("every Session call reports the tokenizer's token counts") {
  const auto model = load_tiny("tiny-seq");
  if (!model) return;
  encore::Session session(model);
  std::string many_words;
  for (int i = 0; i < 600; ++i) many_words += " word";  // over every test model's maximum
  const std::vector<Input> inputs = {
      Input::of_text("I love this"),
      Input::of_pair("a question?", "an answer, with more words than the question"),
      Input::of_text("x"),
  };
  std::vector<std::vector<encore::LabelScore>> labels;
  session.classify(inputs, {}, labels);
  check_counts(session, inputs, false);

  std::vector<encore::Embedding> vectors;
  session.embed({inputs.data(), 1}, {}, vectors);
  check_counts(session, {inputs.data(), 1}, false);

  const std::vector<Input> truncated = {Input::of_text(many_words), Input::of_text("short")};
  session.embed(truncated, {.truncate = true}, vectors);
  check_counts(session, truncated, true);
  CHECK(session.last_stats().tokens_per_input[0] == model->max_length());

  std::vector<encore::RankScore> scores;
  const std::vector<std::string_view> passages = {"one passage", "another, longer passage"};
  session.rank("query", passages, {}, scores);
  const std::vector<Input> pairs = {Input::of_pair("query", passages[0]),
                                    Input::of_pair("query", passages[1])};
  check_counts(session, pairs, false);
}

TEST_CASE("token classification reports its counts too") {
  const auto model = load_tiny("tiny-tok");
  if (!model) return;
  encore::Session session(model);
  const std::vector<Input> inputs = {Input::of_text("Hugging Face is in Paris"),
                                     Input::of_text("no")};
  std::vector<std::vector<encore::Entity>> entities;
  session.classify_tokens(inputs, {}, entities);
  check_counts(session, inputs, false);
}
