#include <doctest/doctest.h>
#include <simdjson.h>

#include <cmath>
#include <cstdlib>
#include <deque>
#include <map>

#include "loader/distilbert_weights.h"
#include "loader/float_convert.h"
#include "support/json_writer.h"
#include "weights_test_util.h"

using namespace encore::loader;
using namespace encore::test;

namespace {

std::string without_prefix(std::string_view name) {
  constexpr std::string_view kPrefix = "distilbert.";
  return std::string(name.starts_with(kPrefix) ? name.substr(kPrefix.size()) : name);
}

// Compares loaded weights with tests/data/models/tensor_spot_values.json, which numpy wrote
// from the same files (spot_values.py): every tensor's shape, sum and a few elements.
void check_against_numpy(const DistilBertWeights& w, const std::string& model) {
  const std::string path = env("ENCORE_SOURCE_ROOT") + "/tests/data/models/tensor_spot_values.json";
  simdjson::dom::parser parser;
  simdjson::dom::object expected = parser.load(path)[model].get_object().value();
  std::map<std::string, std::span<const float>> loaded;
  for (auto& [name, data] : named_tensors(w)) loaded[name] = data;
  CHECK(loaded.size() == expected.size());
  for (auto [file_name, truth] : expected) {
    const std::string name = without_prefix(file_name);
    CAPTURE(name);
    REQUIRE(loaded.count(name));
    std::span<const float> data = loaded[name];
    int64_t elements = 1;
    for (auto dim : truth["shape"].get_array()) elements *= dim.get_int64().value();
    REQUIRE(data.size() == static_cast<size_t>(elements));
    for (auto pair : truth["elements"].get_array()) {
      auto position = static_cast<size_t>(pair.at(0).get_int64().value());
      CHECK(data[position] == static_cast<float>(pair.at(1).get_double().value()));
    }
    double sum = 0, magnitude = 0;
    for (float v : data) sum += v, magnitude += std::abs(v);
    CHECK(std::abs(sum - truth["sum"].get_double().value()) <= 1e-12 * magnitude + 1e-30);
  }
}

void check_same_values(const DistilBertWeights& a, const DistilBertWeights& b) {
  auto ta = named_tensors(a), tb = named_tensors(b);
  REQUIRE(ta.size() == tb.size());
  for (size_t i = 0; i < ta.size(); ++i) {
    CAPTURE(ta[i].first);
    REQUIRE(ta[i].second.size() == tb[i].second.size());
    CHECK(std::equal(ta[i].second.begin(), ta[i].second.end(), tb[i].second.begin()));
  }
}

// Writes a BF16 copy of the model in `from_dir`, rounding like PyTorch.
void write_bf16_copy(const std::string& from_dir, const TempDir& to) {
  std::filesystem::copy_file(from_dir + "/config.json", to / "config.json");
  std::deque<std::vector<uint16_t>> converted;
  rewrite_safetensors(from_dir + "/model.safetensors", to / "model.safetensors",
                      [&](RewrittenTensor& t) {
                        TensorView view{t.name, t.dtype, t.shape, t.bytes};
                        std::vector<float> fp32(view.element_count());
                        convert_to_fp32(view, fp32);
                        auto& bits = converted.emplace_back();
                        for (float v : fp32) bits.push_back(float_to_bf16(v));
                        t.dtype = DType::kBF16;
                        t.bytes = std::as_bytes(std::span(bits));
                      });
}

}  // namespace

TEST_CASE("the vendored tiny models load with the values numpy reads") {
  for (const char* model : {"tiny-seq", "tiny-tok"}) {
    CAPTURE(model);
    DistilBertWeights w = load_distilbert(tiny_model(model));
    CHECK(w.layers.size() == 2);
    CHECK(w.word_embeddings.rows == 30522);
    CHECK(w.word_embeddings.cols == 64);
    CHECK(w.position_embeddings.rows == 512);
    CHECK(w.layers[1].ffn_in.weight.rows == 256);
    CHECK(w.layers[1].ffn_in.weight.cols == 64);
    CHECK(w.classifier.weight.rows == w.config.num_labels());
    CHECK(w.pre_classifier.bias.empty() ==
          (w.config.architecture == Architecture::kTokenClassification));
    check_against_numpy(w, model);
  }
}

TEST_CASE("the weights outlive the loader's locals") {
  DistilBertWeights copy;
  {
    DistilBertWeights w = load_distilbert(tiny_model("tiny-seq"));
    copy = w;
  }
  check_against_numpy(copy, "tiny-seq");
}

TEST_CASE("tensor names without the distilbert. prefix load the same values") {
  TempDir dir;
  std::filesystem::copy_file(tiny_model("tiny-seq") + "/config.json", dir / "config.json");
  rewrite_safetensors(tiny_model("tiny-seq") + "/model.safetensors", dir / "model.safetensors",
                      [](RewrittenTensor& t) { t.name = without_prefix(t.name); });
  check_same_values(load_distilbert(dir.path()), load_distilbert(tiny_model("tiny-seq")));
}

TEST_CASE("BF16 tensors load within bf16 rounding of the F32 originals") {
  TempDir dir;
  write_bf16_copy(tiny_model("tiny-tok"), dir);
  DistilBertWeights bf16 = load_distilbert(dir.path());
  DistilBertWeights fp32 = load_distilbert(tiny_model("tiny-tok"));
  auto a = named_tensors(fp32), b = named_tensors(bf16);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CAPTURE(a[i].first);
    REQUIRE(a[i].second.size() == b[i].second.size());
    size_t mismatches = 0;
    for (size_t j = 0; j < a[i].second.size(); ++j) {
      float exact = a[i].second[j], widened = b[i].second[j];
      mismatches += std::abs(widened - exact) > std::abs(exact) * 0x1p-8f;
    }
    CHECK(mismatches == 0);
  }
}

TEST_CASE("F32 data at an unaligned offset is copied, not read in place") {
  TempDir dir;
  std::filesystem::copy_file(tiny_model("tiny-seq") + "/config.json", dir / "config.json");
  // A 2-byte tensor first puts every later tensor at an offset that is not a multiple of 4.
  const uint16_t odd_bits = 0x3C00;
  encore::MappedFile source(tiny_model("tiny-seq") + "/model.safetensors");
  std::vector<TensorToWrite> tensors = {
      {"zz_odd", DType::kF16, {1}, std::as_bytes(std::span(&odd_bits, 1))}};
  for (const TensorView& v : parse_safetensors(source.bytes(), source.path())) {
    tensors.push_back({v.name, v.dtype, v.shape, v.bytes});
  }
  write_safetensors(dir / "model.safetensors", tensors);
  DistilBertWeights w = load_distilbert(dir.path());
  CHECK(reinterpret_cast<uintptr_t>(w.word_embeddings.data.data()) % alignof(float) == 0);
  check_against_numpy(w, "tiny-seq");
}

TEST_CASE("a sharded checkpoint loads the same values as the single file") {
  TempDir dir;
  const std::string model = tiny_model("tiny-seq");
  std::filesystem::copy_file(model + "/config.json", dir / "config.json");
  // Layer 1 and the heads go to the second shard, the rest to the first.
  auto in_second = [](const std::string& name) {
    return name.find("layer.1.") != std::string::npos ||
           name.find("classifier") != std::string::npos;
  };
  std::string index;
  encore::JsonWriter json(index);
  json.begin_object().key("metadata").begin_object().end_object().key("weight_map").begin_object();
  for (int shard = 1; shard <= 2; ++shard) {
    const std::string file = "model-0000" + std::to_string(shard) + "-of-00002.safetensors";
    rewrite_safetensors(model + "/model.safetensors", dir / file, [&](RewrittenTensor& t) {
      if (in_second(t.name) != (shard == 2)) return t.name.clear();
      json.key(t.name).value(file);
    });
  }
  json.end_object().end_object();
  write_file(dir / "model.safetensors.index.json", index);
  check_same_values(load_distilbert(dir.path()), load_distilbert(model));
}

TEST_CASE(
    "the original golden models in ../shared differ from the vendored ones only in pruned rows") {
  const std::string shared = shared_dir();
  if (shared.empty()) {
    MESSAGE("skipped: ENCORE_SHARED (../shared) not found");
    return;
  }
  for (const char* model : {"tiny-seq", "tiny-tok"}) {
    CAPTURE(model);
    DistilBertWeights original = load_distilbert(shared + "/golden/" + model);
    DistilBertWeights vendored = load_distilbert(tiny_model(model));
    auto a = named_tensors(original), b = named_tensors(vendored);
    REQUIRE(a.size() == b.size());
    for (size_t i = 1; i < a.size(); ++i) {  // [0] is word_embeddings
      CAPTURE(a[i].first);
      CHECK(std::equal(a[i].second.begin(), a[i].second.end(), b[i].second.begin()));
    }
    const Matrix& full = original.word_embeddings;
    const Matrix& pruned = vendored.word_embeddings;
    size_t kept = 0;
    for (int64_t row = 0; row < full.rows; ++row) {
      auto pruned_row = pruned.data.subspan(row * full.cols, full.cols);
      bool zero = std::all_of(pruned_row.begin(), pruned_row.end(), [](float v) { return v == 0; });
      if (zero) continue;
      ++kept;
      CHECK(std::equal(pruned_row.begin(), pruned_row.end(), full.data.begin() + row * full.cols));
    }
    CHECK(kept == 842);  // the distinct ids of expected.jsonl (see tests/data/models/README.md)
  }
}

TEST_CASE("F16 and BF16 checkpoints written by numpy match their F32 twin within rounding") {
  const std::string shared = shared_dir();
  if (shared.empty()) {
    MESSAGE("skipped: ENCORE_SHARED (../shared) not found");
    return;
  }
  TempDir dir;
  auto make = [&](const char* dtype, const char* head) {
    const std::string out = dir / (std::string(dtype) + "-" + head);
    const std::string command =
        "/usr/bin/python3 " + shared + "/reference/distilbert_ref.py make-model --out " + out +
        " --vocab " + shared + "/vocab/bert-base-uncased-vocab.txt" +
        " --dim 32 --heads 2 --hidden 48 --layers 2 --max-pos 40 --seed 11" + " --head " + head +
        " --dtype " + dtype + " 2>/dev/null";
    REQUIRE_MESSAGE(std::system(command.c_str()) == 0, command);
    return load_distilbert(out);
  };
  for (const char* head : {"seq", "tok", "base"}) {
    CAPTURE(head);
    DistilBertWeights f32 = make("F32", head);
    DistilBertWeights bf16 = make("BF16", head);
    DistilBertWeights f16 = make("F16", head);
    CHECK(f32.config.dim == 32);
    CHECK(f32.layers.size() == 2);
    auto a = named_tensors(f32), b = named_tensors(bf16), h = named_tensors(f16);
    REQUIRE(a.size() == b.size());
    REQUIRE(a.size() == h.size());
    for (size_t i = 0; i < a.size(); ++i) {
      CAPTURE(a[i].first);
      size_t bf16_mismatches = 0, f16_mismatches = 0;
      for (size_t j = 0; j < a[i].second.size(); ++j) {
        float exact = a[i].second[j];
        // numpy rounds to nearest even exactly as float_to_bf16 does.
        bf16_mismatches += b[i].second[j] != bf16_to_float(float_to_bf16(exact));
        // binary16: half an ulp is 2^-11 relative for normals, 2^-25 absolute below 2^-14.
        f16_mismatches +=
            std::abs(h[i].second[j] - exact) > std::max(std::abs(exact) * 0x1p-11f, 0x1p-25f);
      }
      CHECK(bf16_mismatches == 0);
      CHECK(f16_mismatches == 0);
    }
  }
}
