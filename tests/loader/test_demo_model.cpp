#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>

#include "loader/demo_model.h"
#include "loader/distilbert_weights.h"
#include "weights_test_util.h"

using namespace encore::loader;
using namespace encore::test;

namespace {

DemoModelOptions small(Architecture architecture, uint64_t seed = 5) {
  DemoModelOptions o;
  o.architecture = architecture;
  o.seed = seed;
  o.dim = 32;
  o.n_heads = 4;
  o.n_layers = 2;
  o.hidden_dim = 64;
  o.max_position_embeddings = 40;
  return o;
}

double standard_deviation(std::span<const float> values) {
  double sum = 0, squares = 0;
  for (float v : values) sum += v, squares += double{v} * v;
  double mean = sum / values.size();
  return std::sqrt(squares / values.size() - mean * mean);
}

int run(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("demo models load, with the shapes, labels and initialization asked for") {
  struct Case {
    Architecture architecture;
    size_t labels;
    const char* first_label;
  };
  for (Case c :
       {Case{Architecture::kSequenceClassification, 6, "sadness"},
        Case{Architecture::kTokenClassification, 9, "O"}, Case{Architecture::kBaseModel, 0, ""}}) {
    CAPTURE(static_cast<int>(c.architecture));
    TempDir dir;
    write_demo_model(dir.path().string(), small(c.architecture));
    DistilBertWeights w = load_distilbert(dir.path().string());
    CHECK(w.config.architecture == c.architecture);
    CHECK(w.config.vocab_size == 30522);
    CHECK(w.config.dim == 32);
    CHECK(w.config.n_heads == 4);
    CHECK(w.layers.size() == 2);
    CHECK(w.layers[0].ffn_in.weight.rows == 64);
    CHECK(w.position_embeddings.rows == 40);
    REQUIRE(w.config.labels.size() == c.labels);
    if (c.labels) CHECK(w.config.labels[0] == c.first_label);
    CHECK(w.classifier.weight.rows == static_cast<int64_t>(c.labels));

    const auto& gamma = w.layers[1].sa_layer_norm.gamma;
    const auto& beta = w.layers[1].sa_layer_norm.beta;
    CHECK(std::all_of(gamma.begin(), gamma.end(), [](float g) { return g == 1.0f; }));
    CHECK(std::all_of(beta.begin(), beta.end(), [](float b) { return b == 0.0f; }));
    CHECK(standard_deviation(w.word_embeddings.data) == doctest::Approx(0.05).epsilon(0.02));
    CHECK(standard_deviation(w.layers[0].ffn_in.weight.data) ==
          doctest::Approx(0.04).epsilon(0.05));

    const std::string readme = read_file(dir / "README.md");
    CHECK(readme.find("RANDOM") != std::string::npos);
    CHECK(readme.find("meaningless") != std::string::npos);
    CHECK(read_file(dir / "tokenizer_config.json").find("\"do_lower_case\": true") !=
          std::string::npos);
  }
}

TEST_CASE("demo models are deterministic for a seed and differ across seeds") {
  TempDir a, b, c;
  write_demo_model(a.path().string(), small(Architecture::kSequenceClassification, 1));
  write_demo_model(b.path().string(), small(Architecture::kSequenceClassification, 1));
  write_demo_model(c.path().string(), small(Architecture::kSequenceClassification, 2));
  CHECK(read_file(a / "model.safetensors") == read_file(b / "model.safetensors"));
  CHECK(read_file(a / "model.safetensors") != read_file(c / "model.safetensors"));
}

TEST_CASE("the embedded vocabulary is the vendored one") {
  const std::string vendored =
      env("ENCORE_SOURCE_ROOT") + "/tokenizer/data/bert-base-uncased-vocab.txt";
  CHECK(std::string(demo_vocabulary()) == read_file(vendored));
  TempDir dir;
  write_demo_model(dir.path().string(), small(Architecture::kBaseModel));
  CHECK(read_file(dir / "vocab.txt") == read_file(vendored));
}

TEST_CASE("invalid options are refused before anything is written") {
  DemoModelOptions o = small(Architecture::kSequenceClassification);
  o.n_heads = 5;
  TempDir dir;
  check_error([&] { write_demo_model(dir / "m", o); }, {"dim 32 is not divisible by n_heads 5"});
  CHECK_FALSE(std::filesystem::exists(dir / "m"));
}

TEST_CASE("encore demo-model writes a folder load_distilbert and the reference accept") {
  const std::string bin = env("ENCORE_BIN");
  REQUIRE_MESSAGE(std::filesystem::exists(bin), "ENCORE_BIN not found: ", bin);
  TempDir dir;
  const std::string out = dir / "demo";
  CHECK(run(bin + " demo-model --out " + out +
            " --seed 3 --task token --dim 16 --heads 2 --layers 1"
            " --hidden 32 --max-pos 16 --labels A,B,C 2>/dev/null") == 0);
  DistilBertWeights w = load_distilbert(out);
  CHECK(w.config.architecture == Architecture::kTokenClassification);
  CHECK(w.config.labels == std::vector<std::string>{"A", "B", "C"});
  CHECK(w.layers.size() == 1);

  CHECK(run(bin + " demo-model --out " + out + " --task ranking 2>/dev/null") == 1);
  CHECK(run(bin + " demo-model --out " + out + " --dim 0 2>/dev/null") == 1);
  CHECK(run(bin + " demo-model --dim 16 2>/dev/null") == 1);  // no --out
  CHECK(run(bin + " demo-model --bogus 2>/dev/null") == 2);

  const std::string shared = shared_dir();
  if (shared.empty()) {
    MESSAGE("skipped the reference run: ENCORE_SHARED (../shared) not found");
    return;
  }
  write_file(dir / "ids.json", R"({"ids": [101, 7592, 2088, 102]})");
  CHECK(run("/usr/bin/python3 " + shared + "/reference/distilbert_ref.py run --model " + out +
            " --ids " + (dir / "ids.json") + " --out " + (dir / "out.json")) == 0);
  const std::string result = read_file(dir / "out.json");
  CHECK(result.find("\"token_logits\"") != std::string::npos);
}
