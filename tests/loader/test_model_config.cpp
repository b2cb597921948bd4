#include <doctest/doctest.h>

#include <string>

#include "loader/model_config.h"
#include "loader_test_util.h"

using namespace encore::loader;
using encore::test::check_error;

namespace {

ModelConfig parse(const std::string& json) {
  return parse_model_config(json, "config.json");
}

// A minimal valid config with `extra` fields appended (later duplicates are not used by simdjson,
// so tests that change a field build the JSON from scratch).
std::string config_with(const std::string& fields) {
  return "{\"architectures\": [\"DistilBertForSequenceClassification\"], " + fields + "}";
}

}  // namespace

TEST_CASE("the golden tiny-seq config is read field by field") {
  ModelConfig c = load_model_config(encore::test::tiny_model("tiny-seq"));
  CHECK(c.architecture == Architecture::kSequenceClassification);
  CHECK(c.architecture_name == "DistilBertForSequenceClassification");
  CHECK(c.vocab_size == 30522);
  CHECK(c.dim == 64);
  CHECK(c.n_layers == 2);
  CHECK(c.n_heads == 4);
  CHECK(c.head_dim() == 16);
  CHECK(c.hidden_dim == 256);
  CHECK(c.max_position_embeddings == 512);
  CHECK(c.pad_token_id == 0);
  CHECK_FALSE(c.sinusoidal_pos_embds);
  CHECK(c.activation == "gelu");
  CHECK(c.labels ==
        std::vector<std::string>{"sadness", "joy", "love", "anger", "fear", "surprise"});
  CHECK(c.problem_type == ProblemType::kUnspecified);
}

TEST_CASE("the golden tiny-tok config has NER labels in id order") {
  ModelConfig c = load_model_config(encore::test::tiny_model("tiny-tok"));
  CHECK(c.architecture == Architecture::kTokenClassification);
  REQUIRE(c.num_labels() == 9);
  CHECK(c.labels.front() == "O");
  CHECK(c.labels[5] == "B-LOC");
  CHECK(c.labels.back() == "I-MISC");
}

TEST_CASE("absent fields take DistilBertConfig's defaults") {
  ModelConfig c = parse("{\"architectures\": [\"DistilBertModel\"]}");
  CHECK(c.architecture == Architecture::kBaseModel);
  CHECK(c.vocab_size == 30522);
  CHECK(c.dim == 768);
  CHECK(c.n_layers == 6);
  CHECK(c.n_heads == 12);
  CHECK(c.hidden_dim == 3072);
  CHECK(c.max_position_embeddings == 512);
  CHECK(c.labels.empty());

  ModelConfig bare = parse("{}");  // no architectures: the encoder, as AutoModel would load it
  CHECK(bare.architecture == Architecture::kBaseModel);

  ModelConfig mlm =
      parse("{\"architectures\": [\"DistilBertForMaskedLM\"], \"model_type\": \"distilbert\"}");
  CHECK(mlm.architecture == Architecture::kBaseModel);
  CHECK(mlm.architecture_name == "DistilBertForMaskedLM");
}

TEST_CASE("labels: id order, num_labels fallback, problem_type") {
  ModelConfig shuffled = parse(config_with(R"("id2label": {"2": "c", "0": "a", "1": "b"})"));
  CHECK(shuffled.labels == std::vector<std::string>{"a", "b", "c"});

  CHECK(parse(config_with(R"("num_labels": 3)")).labels ==
        std::vector<std::string>{"LABEL_0", "LABEL_1", "LABEL_2"});
  CHECK(parse(config_with("\"dim\": 768")).labels ==
        std::vector<std::string>{"LABEL_0", "LABEL_1"});

  CHECK(parse(config_with(R"("problem_type": "multi_label_classification")")).problem_type ==
        ProblemType::kMultiLabelClassification);
  CHECK(parse(config_with(R"("problem_type": "single_label_classification")")).problem_type ==
        ProblemType::kSingleLabelClassification);
  CHECK(parse(config_with(R"("problem_type": "regression")")).problem_type ==
        ProblemType::kRegression);
  CHECK(parse(config_with(R"("problem_type": null)")).problem_type == ProblemType::kUnspecified);
  CHECK(parse(config_with(R"("activation": "relu", "sinusoidal_pos_embds": true)")).activation ==
        "relu");
}

TEST_CASE("bad configs name the file and the field") {
  check_error([] { parse("{\"dim\": 64,"); }, {"config.json", "not a JSON object"});
  check_error([] { parse("[]"); }, {"config.json", "not a JSON object"});
  check_error([] { parse(R"({"architectures": ["BertForMaskedLM"]})"); },
              {"config.json", "architecture 'BertForMaskedLM' is not supported",
               "DistilBertForSequenceClassification", "DistilBertForTokenClassification",
               "DistilBertModel"});
  check_error([] { parse(R"({"architectures": "DistilBertModel"})"); }, {"'architectures'"});
  check_error([] { parse(R"({"model_type": "bert"})"); }, {"model_type is 'bert'"});
  check_error([] { parse(R"({"dim": 100, "n_heads": 12})"); },
              {"config.json", "dim 100 is not divisible by n_heads 12"});
  check_error([] { parse(R"({"dim": "768"})"); }, {"field 'dim' must be an integer"});
  check_error([] { parse(R"({"dim": 0})"); }, {"field 'dim' is 0"});
  check_error([] { parse(R"({"n_layers": -1})"); }, {"field 'n_layers' is -1"});
  check_error([] { parse(R"({"vocab_size": 1000000000000})"); }, {"field 'vocab_size'"});
  check_error([] { parse(R"({"max_position_embeddings": 4000000000})"); },
              {"field 'max_position_embeddings'"});
  check_error([] { parse(R"({"hidden_dim": 1e6})"); }, {"field 'hidden_dim' must be an integer"});
  check_error([] { parse(R"({"pad_token_id": 30522})"); }, {"pad_token_id 30522"});
  check_error([] { parse(R"({"activation": "swish"})"); }, {"activation 'swish'"});
  check_error([] { parse(R"({"sinusoidal_pos_embds": 1})"); }, {"'sinusoidal_pos_embds'"});
  check_error([] { parse(config_with(R"("problem_type": "ranking")")); },
              {"problem_type 'ranking'"});
  check_error([] { parse(config_with(R"("id2label": {"0": "a", "2": "c"})")); },
              {"config.json", "id2label key '2'"});
  check_error([] { parse(config_with(R"("id2label": {"0": "a", "one": "b"})")); },
              {"id2label key 'one' is not an integer id"});
  check_error([] { parse(config_with(R"("id2label": {"0": "a", "0": "b"})")); }, {"id 0 twice"});
  check_error([] { parse(config_with(R"("id2label": {"0": 7})")); },
              {"id2label['0'] must be a string"});
  check_error([] { parse(config_with(R"("id2label": {})")); }, {"id2label must hold"});
  check_error([] { parse(config_with(R"("num_labels": 3, "id2label": {"0": "a", "1": "b"})")); },
              {"num_labels 3 disagrees"});
  check_error([] { parse(config_with(R"("num_labels": 100000000)")); }, {"'num_labels'"});
}

TEST_CASE("a missing config.json or model folder is named") {
  encore::test::TempDir dir;
  check_error([&] { load_model_config(dir.path().string()); }, {dir / "config.json", "not found"});
  check_error([&] { load_model_config(dir / "absent"); },
              {dir / "absent", "model folder not found"});
}
