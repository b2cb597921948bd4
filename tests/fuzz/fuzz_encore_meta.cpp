// Fuzzes meta.json, the metadata blob of a .encore model file, through everything it drives in
// api::load_encore_model (engine/api/encore_model_file.cpp): its parser, the CPU check, and the
// rebuild of the packed model from the kernels it names. Any text must load or be refused with
// encore::Error; a model that loads must run a forward pass without reading outside its buffers.
//
// The rest of the file is real: a tiny model is packed at start-up (fp32, bf16 and int8 at this
// CPU's level, and fp32 portable, those this CPU can make); byte 0 of the input picks one, the rest
// replaces its meta.json and the file is written again (checksums and all) before each load.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/api/encore_model_file.h"
#include "engine/encoder.h"
#include "kernels/jit/cpu_features.h"
#include "loader/encore_file_reader.h"
#include "loader/encore_file_writer.h"
#include "loader/safetensors_writer.h"
#include "support/error.h"

namespace {

namespace fs = std::filesystem;
using namespace encore;

constexpr int64_t kDim = 32, kHidden = 64, kVocab = 16, kPositions = 16, kLabels = 2;

constexpr std::string_view kConfig =
    R"({"architectures": ["DistilBertForSequenceClassification"], "dim": 32, "n_heads": 2,)"
    R"( "n_layers": 1, "hidden_dim": 64, "vocab_size": 16, "max_position_embeddings": 16,)"
    R"( "id2label": {"0": "no", "1": "yes"}})";
constexpr std::string_view kVocabTxt =
    "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\na\nb\nc\nd\ne\nf\ng\nh\ni\nj\n";

void write_text(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) std::abort();
}

// config.json, vocab.txt and model.safetensors of a one-layer DistilBERT with small random weights.
void write_tiny_model(const fs::path& dir) {
  write_text(dir / "config.json", kConfig);
  write_text(dir / "vocab.txt", kVocabTxt);
  std::deque<std::vector<float>> storage;
  std::vector<loader::TensorToWrite> tensors;
  uint32_t state = 12345;
  auto add = [&](const std::string& name, std::vector<int64_t> shape, float constant, bool random) {
    int64_t count = 1;
    for (int64_t d : shape) count *= d;
    std::vector<float>& values = storage.emplace_back(static_cast<size_t>(count), constant);
    if (random) {
      for (float& v : values) {
        state = state * 1664525u + 1013904223u;
        v = (static_cast<float>(state >> 8) / 16777216.0f - 0.5f) * 0.2f;
      }
    }
    tensors.push_back(
        {name, loader::DType::kF32, std::move(shape), std::as_bytes(std::span(values))});
  };
  auto linear = [&](const std::string& name, int64_t out, int64_t in) {
    add(name + ".weight", {out, in}, 0, true);
    add(name + ".bias", {out}, 0, true);
  };
  auto norm = [&](const std::string& name) {
    add(name + ".weight", {kDim}, 1, false);
    add(name + ".bias", {kDim}, 0, false);
  };
  const std::string p = "distilbert.";
  add(p + "embeddings.word_embeddings.weight", {kVocab, kDim}, 0, true);
  add(p + "embeddings.position_embeddings.weight", {kPositions, kDim}, 0, true);
  norm(p + "embeddings.LayerNorm");
  const std::string l = p + "transformer.layer.0.";
  for (const char* name :
       {"attention.q_lin", "attention.k_lin", "attention.v_lin", "attention.out_lin"}) {
    linear(l + name, kDim, kDim);
  }
  norm(l + "sa_layer_norm");
  linear(l + "ffn.lin1", kHidden, kDim);
  linear(l + "ffn.lin2", kDim, kHidden);
  norm(l + "output_layer_norm");
  linear("pre_classifier", kDim, kDim);
  linear("classifier", kLabels, kDim);
  loader::write_safetensors((dir / "model.safetensors").string(), tensors);
}

struct Fixture {
  fs::path dir;
  std::vector<loader::EncoreFile> bases;  // packed files whose meta.json the input replaces
  std::string path;                       // where each fuzzed file is written

  Fixture() {
    std::string pattern = (fs::temp_directory_path() / "encore-fuzz-meta-XXXXXX").string();
    if (!mkdtemp(pattern.data())) std::abort();
    dir = pattern;
    path = (dir / "fuzzed.encore").string();
    write_tiny_model(dir);
    const jit::IsaLevel level = jit::cpu_features().level;
    const api::EncoreWriteOptions choices[] = {{engine::Precision::kFp32, level},
                                               {engine::Precision::kBf16, level},
                                               {engine::Precision::kInt8, level},
                                               {engine::Precision::kFp32, jit::IsaLevel::portable}};
    for (const api::EncoreWriteOptions& options : choices) {
      const std::string base = (dir / ("base" + std::to_string(bases.size()) + ".encore")).string();
      try {
        api::write_encore_model(dir.string(), options, base);
        bases.push_back(loader::EncoreFile::open(base));
      } catch (const Error&) {
        // this CPU cannot pack that precision at its level
      }
    }
    if (bases.empty()) std::abort();
  }
  ~Fixture() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
};

void run_forward(const std::shared_ptr<const engine::PackedModel>& packed) {
  engine::Encoder encoder(packed, {.threads = 1, .pin_threads = false, .max_batch_tokens = 8});
  const std::vector<int32_t> ids = {2, 5, 6, 3};
  const std::vector<int32_t> mask(ids.size(), 1);
  const engine::EncoderOutput out = encoder.forward({1, 4, ids, mask});
  if (out.logits.size() != static_cast<size_t>(kLabels)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture fixture;
  if (size == 0) return 0;
  const loader::EncoreFile& base = fixture.bases[data[0] % fixture.bases.size()];
  const std::string_view meta(reinterpret_cast<const char*>(data) + 1, size - 1);
  loader::EncoreFileWriter writer;
  writer.add_copy("meta.json", meta);
  for (const loader::EncoreBlob& blob : base.blobs()) {
    if (blob.name != "meta.json")
      writer.add(blob.name, blob.dtype, blob.shape, blob.bytes, blob.alignment);
  }
  write_text(fixture.path, writer.serialize());
  try {
    const api::EncoreModel model = api::load_encore_model(fixture.path);
    run_forward(model.packed);
  } catch (const Error&) {
  }
  return 0;
}
