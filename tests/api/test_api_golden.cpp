// The public API end to end on the golden tiny models (../shared/golden, vendored in
// tests/data/models): the tokenizer reproduces the reference ids, and each pipeline's scores equal
// the documented post-processing of the reference logits (softmax, per-token softmax, CLS/mean
// pooling of the reference hidden states) within 1e-4.
#include <doctest/doctest.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "encore/encore.h"
#include "support/error.h"
#include "tests/engine/golden_rows.h"
#include "tests/loader/loader_test_util.h"

namespace {

using encore::Input;
using encore::test::GoldenRow;

constexpr double kTolerance = 1e-4;

// A golden row's input: a text, or a (text, text_pair) pair.
struct GoldenText {
  std::string text;
  std::optional<std::string> pair;

  Input input() const { return pair ? Input::of_pair(text, *pair) : Input::of_text(text); }
};

struct Golden {
  std::string dir;
  std::vector<GoldenText> texts;
  std::vector<GoldenRow> rows;
  std::shared_ptr<const encore::Model> model;
};

std::vector<GoldenText> read_texts(const std::string& jsonl_path) {
  std::ifstream in(jsonl_path);
  std::vector<GoldenText> texts;
  simdjson::ondemand::parser parser;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    simdjson::padded_string padded(line);
    auto doc = parser.iterate(padded);
    GoldenText text{std::string(std::string_view(doc["text"])), std::nullopt};
    std::string_view pair;
    if (!doc["text_pair"].get_string().get(pair)) text.pair = std::string(pair);
    texts.push_back(std::move(text));
  }
  return texts;
}

// Empty when the tiny models are not available (no ../shared and nothing vendored).
std::optional<Golden> load(const std::string& name) {
  const std::string dir = encore::test::tiny_model(name);
  if (!std::filesystem::exists(dir + "/expected.jsonl")) {
    MESSAGE("skipped: no golden model at ", dir);
    return std::nullopt;
  }
  Golden golden{dir, read_texts(dir + "/expected.jsonl"),
                encore::test::read_golden_rows(dir + "/expected.jsonl"),
                encore::Model::load(dir, {.threads = 1})};
  REQUIRE(golden.texts.size() == golden.rows.size());
  return golden;
}

std::vector<double> softmax(std::span<const float> logits) {
  std::vector<double> out(logits.size());
  double sum = 0;
  for (size_t i = 0; i < logits.size(); ++i) sum += out[i] = std::exp(double(logits[i]));
  for (double& x : out) x /= sum;
  return out;
}

// Whether the tokenizer's untruncated encoding is the reference's (the reference cut a few long
// rows at 128 tokens; those are checked through their ids instead).
bool encodes_to_reference(const encore::Tokenizer& tokenizer, const GoldenText& text,
                          const GoldenRow& row) {
  const auto encode = [&](const encore::EncodeOptions& options, encore::Encoding& out) {
    if (text.pair) {
      tokenizer.encode_pair(text.text, *text.pair, options, out);
    } else {
      tokenizer.encode(text.text, options, out);
    }
  };
  encore::Encoding encoding;
  encode({}, encoding);
  if (encoding.size() > row.ids.size()) {
    encore::EncodeOptions options;
    options.max_length = row.ids.size();
    encode(options, encoding);
    CHECK(encoding.ids == row.ids);
    return false;
  }
  CHECK(encoding.ids == row.ids);
  return true;
}

int32_t label_id(const encore::Model& model, std::string_view label) {
  const auto& labels = model.labels();
  return static_cast<int32_t>(std::find(labels.begin(), labels.end(), label) - labels.begin());
}

}  // namespace

TEST_CASE("text classification: every label's score is softmax of the reference logits") {
  const auto golden = load("tiny-seq");
  if (!golden) return;
  encore::Session session(golden->model);
  const encore::ClassifyOptions all_labels{.function = std::nullopt, .top_k = std::nullopt};
  int checked_texts = 0;
  for (size_t r = 0; r < golden->rows.size(); ++r) {
    CAPTURE(r);
    const GoldenRow& row = golden->rows[r];
    const auto expected = softmax(row.logits);
    std::vector<Input> inputs = {Input::of_ids(row.ids)};
    if (encodes_to_reference(golden->model->tokenizer(), golden->texts[r], row)) {
      inputs.push_back(golden->texts[r].input());
      ++checked_texts;
    }
    for (const Input& input : inputs) {
      std::vector<std::vector<encore::LabelScore>> out;
      session.classify({&input, 1}, all_labels, out);
      REQUIRE(out[0].size() == expected.size());
      for (const auto& [id, label, score] : out[0]) {
        CHECK(label == golden->model->labels()[id]);
        CHECK(std::abs(score - expected[id]) < kTolerance);
      }
      CHECK(std::is_sorted(out[0].begin(), out[0].end(),
                           [](auto& a, auto& b) { return a.score > b.score; }));
    }
  }
  CHECK(checked_texts > 40);
}

TEST_CASE("a padded batch of texts classifies as the texts do one by one") {
  const auto golden = load("tiny-seq");
  if (!golden) return;
  encore::Session session(golden->model);
  std::vector<Input> inputs;
  for (size_t r = 0; r < 6; ++r) inputs.push_back(golden->texts[r].input());
  const encore::ClassifyOptions options{.function = encore::ClassificationFunction::kNone,
                                        .top_k = std::nullopt};
  std::vector<std::vector<encore::LabelScore>> batched, single;
  session.classify(inputs, options, batched);
  REQUIRE(batched.size() == inputs.size());
  for (size_t r = 0; r < inputs.size(); ++r) {
    session.classify({&inputs[r], 1}, options, single);
    for (size_t k = 0; k < single[0].size(); ++k) {
      CHECK(batched[r][k].label_id == single[0][k].label_id);
      CHECK(std::abs(batched[r][k].score - single[0][k].score) < kTolerance);
    }
  }
}

TEST_CASE("token classification: each token's label score is softmax of its reference logits") {
  const auto golden = load("tiny-tok");
  if (!golden) return;
  encore::Session session(golden->model);
  const encore::TokenOptions every_token{.aggregation = encore::Aggregation::kNone,
                                         .ignore_labels = {}};
  const int64_t num_labels = static_cast<int64_t>(golden->model->labels().size());
  int checked_texts = 0;
  for (size_t r = 0; r < golden->rows.size(); ++r) {
    CAPTURE(r);
    const GoldenRow& row = golden->rows[r];
    const std::string& text = golden->texts[r].text;
    // Token classification takes single texts; pairs and truncated rows are the engine's tests.
    if (golden->texts[r].pair) continue;
    if (!encodes_to_reference(golden->model->tokenizer(), golden->texts[r], row)) continue;
    ++checked_texts;
    encore::Encoding encoding;
    golden->model->tokenizer().encode(text, {}, encoding);
    const auto entities = session.classify_tokens(text, every_token);
    REQUIRE(entities.size() == encoding.size() - 2);  // every token but [CLS] and [SEP]
    for (const auto& entity : entities) {
      const auto expected =
          softmax(std::span(row.logits).subspan(entity.index * num_labels, num_labels));
      CHECK(std::abs(entity.score - expected[label_id(*golden->model, entity.entity)]) <
            kTolerance);
      CHECK(entity.score >= *std::max_element(expected.begin(), expected.end()) - kTolerance);
      CHECK(entity.start == encoding.offsets[entity.index].begin);
      CHECK(entity.end == encoding.offsets[entity.index].end);
    }
  }
  CHECK(checked_texts > 40);
}

TEST_CASE("token classification: words and entity groups cover the text they name") {
  const auto golden = load("tiny-tok");
  if (!golden) return;
  encore::Session session(golden->model);
  const std::string text = "Angela Merkel visited Microsoft in Redmond yesterday.";
  for (auto aggregation : {encore::Aggregation::kSimple, encore::Aggregation::kFirst,
                           encore::Aggregation::kAverage, encore::Aggregation::kMax}) {
    CAPTURE(encore::aggregation_name(aggregation));
    const auto groups =
        session.classify_tokens(text, {.aggregation = aggregation, .ignore_labels = {}});
    REQUIRE(!groups.empty());
    uint32_t previous_end = 0;
    for (const auto& group : groups) {
      CHECK(group.index == -1);
      CHECK(group.start >= previous_end);
      CHECK(group.start < group.end);
      previous_end = group.end;
      const std::string covered = text.substr(group.start, group.end - group.start);  // ASCII
      if (aggregation != encore::Aggregation::kSimple) {
        // Word-level strategies never split a word, so the group is exactly the (lowercased) text.
        std::string lowered = covered;
        std::transform(lowered.begin(), lowered.end(), lowered.begin(), ::tolower);
        CHECK(group.word == lowered);
      }
    }
    CHECK(previous_end == text.size());
  }
}

TEST_CASE("feature extraction: CLS and mean pooling of the reference hidden states") {
  const auto golden = load("tiny-seq");
  if (!golden) return;
  encore::Session session(golden->model);
  const int64_t dim = golden->model->hidden_size();
  for (size_t r = 0; r < 8; ++r) {
    CAPTURE(r);
    const GoldenRow& row = golden->rows[r];
    const Input input = Input::of_ids(row.ids);
    const auto tokens = static_cast<int64_t>(row.ids.size());
    std::vector<encore::Embedding> cls, mean, all;
    session.embed({&input, 1}, {.pooling = encore::Pooling::kCls}, cls);
    session.embed({&input, 1}, {.pooling = encore::Pooling::kMean, .normalize = true}, mean);
    session.embed({&input, 1}, {.pooling = encore::Pooling::kTokens}, all);
    REQUIRE(cls[0].values.size() == size_t(dim));
    REQUIRE(all[0].rows == tokens);
    std::vector<double> expected_mean(dim, 0.0);
    for (int64_t t = 0; t < tokens; ++t) {
      for (int64_t d = 0; d < dim; ++d) {
        expected_mean[d] += row.last_hidden_state[t * dim + d] / double(tokens);
        CHECK(std::abs(all[0].values[t * dim + d] - row.last_hidden_state[t * dim + d]) <
              kTolerance);
      }
    }
    double norm = 0;
    for (double x : expected_mean) norm += x * x;
    norm = std::sqrt(norm);
    for (int64_t d = 0; d < dim; ++d) {
      CHECK(std::abs(cls[0].values[d] - row.last_hidden_state[d]) < kTolerance);
      CHECK(std::abs(mean[0].values[d] - expected_mean[d] / norm) < kTolerance);
    }
  }
}

TEST_CASE("ranking scores pairs with the last label, best first") {
  const auto golden = load("tiny-seq");
  if (!golden) return;
  encore::Session session(golden->model);
  const std::string& query = golden->texts[0].text;
  const std::vector<std::string_view> passages = {golden->texts[1].text, golden->texts[2].text,
                                                  golden->texts[6].text};
  std::vector<encore::RankScore> probabilities, logits;
  session.rank(query, passages, {}, probabilities);
  session.rank(query, passages, {.raw_scores = true}, logits);
  REQUIRE(probabilities.size() == passages.size());
  for (const encore::RankScore& ranked : probabilities) {
    // Named copies: clang 14 cannot capture structured bindings in a lambda.
    const auto index = ranked.index;
    const auto score = ranked.score;
    const Input pair = Input::of_pair(query, passages[index]);
    const auto raw = session.forward({&pair, 1});
    const auto expected = softmax(raw.logits);
    CHECK(std::abs(score - expected.back()) < kTolerance);
    const auto same =
        std::find_if(logits.begin(), logits.end(), [&](auto& s) { return s.index == index; });
    CHECK(same->score == doctest::Approx(raw.logits.back()).epsilon(1e-6));
  }
  CHECK(probabilities[0].score >= probabilities[1].score);
  CHECK(probabilities[1].score >= probabilities[2].score);
}

TEST_CASE("too many tokens is an error unless truncation is asked for") {
  const auto golden = load("tiny-seq");
  if (!golden) return;
  encore::Session session(golden->model);
  std::string long_text;
  for (int i = 0; i < 600; ++i) long_text += "word ";
  encore::test::check_error([&] { session.classify(long_text); },
                            {"602 tokens", "maximum of 512", "truncation"});
  const auto labels =
      session.classify(long_text, {.function = std::nullopt, .top_k = 1, .truncate = true});
  CHECK(labels.size() == 1);
  const Input input = Input::of_text(long_text);
  CHECK(session.forward({&input, 1}, true).seq == 512);
}

TEST_CASE("tasks the head cannot run, and token classification on ids, are errors") {
  const auto seq = load("tiny-seq");
  const auto tok = load("tiny-tok");
  if (!seq || !tok) return;
  encore::Session seq_session(seq->model), tok_session(tok->model);
  encore::test::check_error([&] { seq_session.classify_tokens("hello"); },
                            {"cannot run task 'tokens'", "DistilBertForSequenceClassification"});
  encore::test::check_error([&] { tok_session.classify("hello"); }, {"cannot run task 'classify'"});
  const std::vector<int32_t> ids = {101, 7592, 102};
  const Input input = Input::of_ids(ids);
  std::vector<std::vector<encore::Entity>> out;
  encore::test::check_error(
      [&] {
        tok_session.classify_tokens({&input, 1}, {}, out);
      },
      {"single texts"});
  CHECK(tok_session.embed("hello").values.size() == size_t(tok->model->hidden_size()));
}

TEST_CASE("an [UNK] token shows the text it replaced and starts a word") {
  const auto golden = load("tiny-tok");
  if (!golden) return;
  encore::Session session(golden->model);
  const std::string text = "hi \xF0\x9F\xA4\x97 there";  // "hi 🤗 there": the emoji is [UNK]
  const auto tokens = session.classify_tokens(
      text, {.aggregation = encore::Aggregation::kNone, .ignore_labels = {}});
  REQUIRE(tokens.size() == 3);
  CHECK(tokens[1].word == "\xF0\x9F\xA4\x97");
  CHECK(tokens[1].start == 3);  // code points, not bytes
  CHECK(tokens[1].end == 4);
  CHECK(tokens[2].start == 5);
  const auto words = session.classify_tokens(
      text, {.aggregation = encore::Aggregation::kFirst, .ignore_labels = {}});
  std::string joined;
  for (const auto& group : words) joined += (joined.empty() ? "" : "|") + group.word;
  // However the words are grouped, the emoji is a word of its own between "hi" and "there".
  CHECK((joined == "hi|\xF0\x9F\xA4\x97|there" || joined == "hi \xF0\x9F\xA4\x97|there" ||
         joined == "hi|\xF0\x9F\xA4\x97 there" || joined == "hi \xF0\x9F\xA4\x97 there"));
}
