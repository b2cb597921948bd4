// Broken model folders, each built from the vendored tiny-seq model, must fail with an error that
// names the file and, where there is one, the tensor or field.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <sstream>

#include "loader/distilbert_weights.h"
#include "weights_test_util.h"

using namespace encore::loader;
using namespace encore::test;

namespace {

const char* kQ = "distilbert.transformer.layer.0.attention.q_lin.weight";

// A copy of tiny-seq in a temporary folder, to be broken by the test.
struct BrokenModel {
  BrokenModel() { copy_model(tiny_model("tiny-seq"), dir.path()); }
  std::string path() const { return dir.path().string(); }
  std::string file(const char* name) const { return dir / name; }

  // Replaces the safetensors header JSON through `edit`, keeping the data bytes.
  void edit_header(const std::function<void(std::string&)>& edit) const {
    std::string bytes = read_file(file("model.safetensors"));
    uint64_t length = 0;
    std::memcpy(&length, bytes.data(), 8);
    std::string header = bytes.substr(8, length);
    edit(header);
    uint64_t new_length = header.size();
    std::string prefix(8, '\0');
    std::memcpy(prefix.data(), &new_length, 8);
    write_file(file("model.safetensors"), prefix + header + bytes.substr(8 + length));
  }

  // Sets the data_offsets of tensor `name` in the header (written as
  // "name":{...,"data_offsets":[a,b]}).
  void set_offsets(const std::string& name,
                   const std::function<std::string(uint64_t, uint64_t)>& offsets) const {
    edit_header([&](std::string& header) {
      size_t entry = header.find("\"" + name + "\":{");
      REQUIRE(entry != std::string::npos);
      size_t open = header.find("\"data_offsets\":[", entry);
      REQUIRE(open != std::string::npos);
      open += std::string_view("\"data_offsets\":").size();
      size_t close = header.find(']', open);
      uint64_t begin = 0, end = 0;
      char comma = 0;
      std::istringstream(header.substr(open + 1, close - open - 1)) >> begin >> comma >> end;
      header.replace(open, close + 1 - open, offsets(begin, end));
    });
  }

  void edit_config(const std::string& from, const std::string& to) const {
    std::string config = read_file(file("config.json"));
    auto at = config.find(from);
    REQUIRE(at != std::string::npos);
    write_file(file("config.json"), config.replace(at, from.size(), to));
  }

  TempDir dir;
};

// "[begin,end]" as the header writes offsets (built with a stream: GCC 12 warns falsely on
// "[" + std::to_string(...)).
std::string offsets_json(uint64_t begin, uint64_t end) {
  std::ostringstream out;
  out << '[' << begin << ',' << end << ']';
  return out.str();
}

void check_load_error(const BrokenModel& model, std::initializer_list<std::string_view> fragments) {
  check_error([&] { load_distilbert(model.path()); }, fragments);
}

}  // namespace

TEST_CASE("the unbroken copy loads (so each failure below is the breakage)") {
  BrokenModel model;
  CHECK(load_distilbert(model.path()).layers.size() == 2);
}

TEST_CASE("missing folder, config.json or model.safetensors") {
  BrokenModel model;
  check_error([&] { load_distilbert(model.file("nothing-here")); },
              {"nothing-here", "model folder not found"});
  std::filesystem::remove(model.file("model.safetensors"));
  check_load_error(model, {model.file("model.safetensors"), "not found"});
  std::filesystem::remove(model.file("config.json"));
  check_load_error(model, {model.file("config.json"), "not found"});
}

TEST_CASE("truncated safetensors") {
  BrokenModel model;
  std::string bytes = read_file(model.file("model.safetensors"));
  write_file(model.file("model.safetensors"), bytes.substr(0, bytes.size() / 2));
  check_load_error(model, {model.file("model.safetensors"), ": tensor '", "beyond data size"});

  write_file(model.file("model.safetensors"), bytes.substr(0, 100));
  check_load_error(model,
                   {model.file("model.safetensors"), "header length", "beyond file size 100"});

  write_file(model.file("model.safetensors"), "");
  check_load_error(model, {model.file("model.safetensors"), "too short"});
}

TEST_CASE("header that is not JSON") {
  BrokenModel model;
  model.edit_header([](std::string& header) { header[0] = '('; });
  check_load_error(model, {model.file("model.safetensors"), "header is not a JSON object"});
}

TEST_CASE("a weight stored in a dtype encore does not read") {
  BrokenModel model;
  rewrite_safetensors(tiny_model("tiny-seq") + "/model.safetensors",
                      model.file("model.safetensors"), [](RewrittenTensor& t) {
                        if (t.name == kQ) t.dtype = DType::kI32;  // same 4 bytes per element
                      });
  check_load_error(
      model, {model.file("model.safetensors"), std::string("tensor '") + kQ + "'", "dtype I32"});
}

TEST_CASE("a tensor whose shape disagrees with config.json") {
  BrokenModel model;
  model.edit_config("\"hidden_dim\": 256", "\"hidden_dim\": 128");
  check_load_error(model,
                   {model.file("model.safetensors"),
                    "tensor 'distilbert.transformer.layer.0.ffn.lin1.weight' has shape [256, 64]",
                    "[128, 64] (hidden_dim, dim)"});

  BrokenModel transposed;
  rewrite_safetensors(tiny_model("tiny-seq") + "/model.safetensors",
                      transposed.file("model.safetensors"), [](RewrittenTensor& t) {
                        if (t.name.ends_with("layer.1.ffn.lin2.weight"))
                          std::swap(t.shape[0], t.shape[1]);
                      });
  check_load_error(transposed,
                   {"tensor 'distilbert.transformer.layer.1.ffn.lin2.weight' has shape [256, 64]"});
}

TEST_CASE("a missing tensor, and more layers in config.json than in the file") {
  BrokenModel model;
  rewrite_safetensors(tiny_model("tiny-seq") + "/model.safetensors",
                      model.file("model.safetensors"), [](RewrittenTensor& t) {
                        if (t.name == "pre_classifier.bias") t.name.clear();
                      });
  check_load_error(model,
                   {model.file("model.safetensors"), "missing tensor 'pre_classifier.bias'"});

  BrokenModel deeper;
  deeper.edit_config("\"n_layers\": 2", "\"n_layers\": 3");
  check_load_error(deeper, {"missing tensor 'distilbert.transformer.layer.2.", "n_layers 3"});
}

TEST_CASE("overlapping data_offsets") {
  BrokenModel model;
  // Tensors are stored in name order: move classifier.weight back over the end of classifier.bias.
  model.set_offsets("classifier.weight",
                    [](uint64_t begin, uint64_t end) { return offsets_json(begin - 8, end - 8); });
  check_load_error(model,
                   {model.file("model.safetensors"), "tensor 'classifier.weight' data_offsets [16,",
                    "overlap tensor 'classifier.bias' [0,24)"});
}

TEST_CASE("data_offsets beyond the file") {
  BrokenModel model;
  model.set_offsets(kQ, [](uint64_t begin, uint64_t) {
    return offsets_json(begin + (1u << 30), begin + (1u << 30) + 16384);
  });
  check_load_error(model, {model.file("model.safetensors"),
                           std::string("tensor '") + kQ + "' data_offsets [", "beyond data size"});
}

TEST_CASE("config.json that is not JSON, or names an unknown architecture") {
  BrokenModel bad_json;
  write_file(bad_json.file("config.json"), "{\"dim\": 64,, }");
  check_load_error(bad_json, {bad_json.file("config.json"), "not a JSON object"});

  BrokenModel unknown;
  unknown.edit_config("DistilBertForSequenceClassification", "BertForSequenceClassification");
  check_load_error(unknown,
                   {unknown.file("config.json"), "'BertForSequenceClassification' is not supported",
                    "DistilBertForTokenClassification"});
}

TEST_CASE("a folder with only pytorch_model.bin says how to convert it") {
  BrokenModel model;
  std::filesystem::rename(model.file("model.safetensors"), model.file("pytorch_model.bin"));
  check_load_error(model,
                   {model.path(), "pytorch_model.bin", "save_file", "safe_serialization=True"});
}

TEST_CASE("sharded index: missing shard, tensor not in its shard, unsafe or repeated names") {
  BrokenModel model;
  std::filesystem::rename(model.file("model.safetensors"),
                          model.file("model-00001-of-00002.safetensors"));
  write_file(model.file("model.safetensors.index.json"),
             R"({"weight_map": {"classifier.bias": "model-00001-of-00002.safetensors",)"
             R"( "classifier.weight": "model-00002-of-00002.safetensors"}})");
  check_load_error(
      model, {model.file("model.safetensors.index.json"),
              "shard 'model-00002-of-00002.safetensors'", "'classifier.weight'", "not found"});

  write_file(model.file("model.safetensors.index.json"),
             R"({"weight_map": {"not.there": "model-00001-of-00002.safetensors"}})");
  check_load_error(model,
                   {"model.safetensors.index.json", "tensor 'not.there'", "does not hold it"});

  write_file(model.file("model.safetensors.index.json"),
             R"({"weight_map": {"classifier.bias": "../../etc/passwd"}})");
  check_load_error(model,
                   {"model.safetensors.index.json", "tensor 'classifier.bias'", "not a file name"});

  write_file(model.file("model.safetensors.index.json"), R"({"metadata": {}})");
  check_load_error(model, {"model.safetensors.index.json", "weight_map"});

  write_file(model.file("model.safetensors.index.json"),
             R"({"weight_map": {"classifier.bias": "model-00001-of-00002.safetensors",)"
             R"( "classifier.bias": "model-00001-of-00002.safetensors"}})");
  check_load_error(model,
                   {"model.safetensors.index.json", "tensor 'classifier.bias'", "listed twice"});

  write_file(model.file("model.safetensors.index.json"), R"({"weight_map": )");
  check_load_error(model, {"model.safetensors.index.json", "not valid JSON"});
}
