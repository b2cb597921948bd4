// `encore predict` end to end (the built binary, $ENCORE_BIN): --jsonl prints the reference
// logits of the golden tiny models within 1e-4, keeps going after a bad line, and a text argument
// prints the classification pipeline's JSON.
#include <doctest/doctest.h>
#include <simdjson.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "support/json_writer.h"
#include "tests/engine/golden_rows.h"
#include "tests/loader/loader_test_util.h"

namespace {

using encore::test::GoldenRow;

struct Run {
  int status = -1;
  std::string out;
};

// Runs `command` through the shell and collects its stdout.
Run run(const std::string& command) {
  Run result;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[1 << 16];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;)
    result.out.append(buffer, n);
  result.status = ::pclose(pipe);
  return result;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    out.push_back(text.substr(start, end - start));
  }
  return out;
}

std::vector<float> flatten(simdjson::dom::element value) {
  std::vector<float> out;
  if (value.is_array()) {
    for (auto element : value.get_array()) {
      for (float x : flatten(element)) out.push_back(x);
    }
  } else {
    out.push_back(static_cast<float>(double(value)));
  }
  return out;
}

std::string encore_bin() {
  const std::string bin = encore::test::env("ENCORE_BIN");
  REQUIRE_MESSAGE(!bin.empty(), "ENCORE_BIN is not set (run through meson test)");
  return bin;
}

}  // namespace

TEST_CASE("predict --jsonl reproduces the reference logits, line by line") {
  for (const std::string name : {"tiny-seq", "tiny-tok"}) {
    CAPTURE(name);
    const std::string dir = encore::test::tiny_model(name);
    if (!std::filesystem::exists(dir + "/expected.jsonl")) {
      MESSAGE("skipped: no golden model at ", dir);
      continue;
    }
    const auto rows = encore::test::read_golden_rows(dir + "/expected.jsonl");
    // Every reference row as ids, then one bad line, then the first row again: the bad line
    // must not stop the run.
    encore::test::TempDir tmp;
    std::string input;
    for (const GoldenRow& row : rows) {
      encore::JsonWriter(input).begin_object().key("ids").array(row.ids).end_object();
      input += '\n';
    }
    input += "{\"text\": 42}\n";
    encore::JsonWriter(input).begin_object().key("ids").array(rows[0].ids).end_object();
    input += '\n';
    encore::test::write_file(tmp / "in.jsonl", input);

    const Run result = run(encore_bin() + " predict --threads 1 --jsonl --model '" + dir + "' < '" +
                           (tmp / "in.jsonl") + "'");
    CHECK(result.status == 0);
    const auto out = lines(result.out);
    REQUIRE(out.size() == rows.size() + 2);
    simdjson::dom::parser parser;
    const char* logits_key = name == "tiny-seq" ? "logits" : "token_logits";
    for (size_t r = 0; r <= rows.size() + 1; ++r) {
      CAPTURE(r);
      simdjson::dom::element line = parser.parse(out[r]);
      if (r == rows.size()) {
        CHECK(std::string_view(line["error"]).find("line " + std::to_string(r + 1)) == 0);
        continue;
      }
      const GoldenRow& row = rows[r == rows.size() + 1 ? 0 : r];
      std::vector<int32_t> ids;
      for (int64_t id : line["ids"].get_array()) ids.push_back(static_cast<int32_t>(id));
      CHECK(ids == row.ids);
      CHECK(encore::test::max_abs_difference(flatten(line[logits_key]), row.logits) < 1e-4);
    }
  }
}

TEST_CASE("predict TEXT prints the top label with its softmax score") {
  const std::string dir = encore::test::tiny_model("tiny-seq");
  if (!std::filesystem::exists(dir + "/expected.jsonl")) {
    MESSAGE("skipped: no golden model at ", dir);
    return;
  }
  const std::string text = "Donde hubo fuego, cenizas quedan. ";
  const Run raw = run("printf '%s\\n' '{\"text\": \"" + text + "\"}' | " + encore_bin() +
                      " predict --jsonl --model '" + dir + "'");
  const Run top = run(encore_bin() + " predict --model '" + dir + "' '" + text + "'");
  const Run all = run(encore_bin() + " predict --top-k all --model '" + dir + "' '" + text + "'");
  REQUIRE(raw.status == 0);
  REQUIRE(top.status == 0);
  REQUIRE(all.status == 0);
  simdjson::dom::parser raw_parser, top_parser, all_parser;
  const auto logits = flatten(raw_parser.parse(raw.out)["logits"]);
  double sum = 0;
  size_t best = 0;
  for (size_t i = 0; i < logits.size(); ++i) {
    sum += std::exp(double(logits[i]));
    if (logits[i] > logits[best]) best = i;
  }
  simdjson::dom::array top_labels = top_parser.parse(top.out);
  REQUIRE(top_labels.size() == 1);
  CHECK(double(top_labels.at(0)["score"]) ==
        doctest::Approx(std::exp(double(logits[best])) / sum).epsilon(1e-5));
  simdjson::dom::array all_labels = all_parser.parse(all.out);
  CHECK(all_labels.size() == logits.size());
  CHECK(std::string_view(all_labels.at(0)["label"]) == std::string_view(top_labels.at(0)["label"]));
}

TEST_CASE("predict with a missing model folder fails with a message") {
  const Run result = run(encore_bin() + " predict --model /nonexistent/model hello 2>&1");
  CHECK(result.status != 0);
  CHECK(result.out.find("/nonexistent/model") != std::string::npos);
}
