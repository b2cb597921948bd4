#include "engine/api/encore_model_file.h"

#include <simdjson.h>

#include <filesystem>
#include <map>
#include <optional>
#include <vector>

#include "engine/api/int8_calibration.h"
#include "engine/linear.h"
#include "loader/encore_file_reader.h"
#include "loader/encore_file_writer.h"
#include "loader/model_config.h"
#include "support/error.h"
#include "support/json_writer.h"
#include "support/mapped_file.h"

namespace encore::api {
namespace {

using loader::encore_format::BlobDtype;

// The folder's files a .encore file carries, stored as blobs "file/<name>".
constexpr const char* kEmbeddedFiles[] = {"config.json", "vocab.txt", "tokenizer.json",
                                          "tokenizer_config.json"};
constexpr std::string_view kFilePrefix = "file/";
constexpr std::string_view kPackedPrefix = "packed/";
constexpr const char* kMetadataBlob = "meta.json";

// CPU features (names as in /proc/cpuinfo's flags, lower case) the packed kernels execute.
std::vector<std::string> required_features(const engine::PackedModel& model) {
  std::vector<std::string> features;
  if (model.level >= jit::IsaLevel::avx512) features = {"avx512f", "avx512bw", "avx512vl"};
  if (model.level >= jit::IsaLevel::avx512_vnni) features.push_back("avx512_vnni");
  for (const auto& [key, value] : engine::packed_metadata(model)) {
    if (value == engine::linear_kernel_name(engine::LinearKernel::kJitBf16)) {
      features.push_back("avx512_bf16");
      break;
    }
  }
  return features;
}

bool cpu_has(std::string_view feature) {
  const jit::CpuFeatures& cpu = jit::cpu_features();
  if (feature == "avx512f" || feature == "avx512bw" || feature == "avx512vl") {
    return cpu.level >= jit::IsaLevel::avx512;
  }
  if (feature == "avx512_vnni") return cpu.level >= jit::IsaLevel::avx512_vnni;
  if (feature == "avx512_bf16") return cpu.level >= jit::IsaLevel::avx512 && cpu.has_bf16;
  return false;
}

std::string metadata_json(const engine::PackedModel& model, const std::string& source) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.key("precision").value(engine::precision_name(model.precision));
  json.key("isa").value(jit::isa_level_name(model.level));
  json.key("cpu_features").begin_array();
  for (const auto& feature : required_features(model)) json.value(feature);
  json.end_array();
  json.key("source").value(source);
  json.key("packed").begin_object();
  for (const auto& [key, value] : engine::packed_metadata(model)) json.key(key).value(value);
  json.end_object();
  json.end_object();
  return out;
}

struct Metadata {
  std::string isa;
  std::vector<std::string> cpu_features;
  std::map<std::string, std::string> packed;
};

Metadata parse_metadata(std::string_view text, const std::string& path) {
  const std::string where = path + ": meta.json";
  simdjson::ondemand::parser parser;
  const simdjson::padded_string padded(text);
  simdjson::ondemand::document doc;
  simdjson::ondemand::object root;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(root)) {
    throw_error(where, " is not a JSON object");
  }
  Metadata metadata;
  auto string_of = [&](simdjson::ondemand::value value, std::string_view key) {
    std::string_view text_value;
    if (value.get_string().get(text_value)) throw_error(where, ": '", key, "' must be a string");
    return std::string(text_value);
  };
  for (auto field : root) {
    std::string_view key;
    simdjson::ondemand::value value;
    if (field.unescaped_key().get(key) || field.value().get(value)) {
      throw_error(where, " is malformed");
    }
    if (key == "isa") {
      metadata.isa = string_of(value, key);
    } else if (key == "cpu_features") {
      simdjson::ondemand::array array;
      if (value.get_array().get(array)) throw_error(where, ": 'cpu_features' must be an array");
      for (auto element : array) {
        simdjson::ondemand::value item;
        if (element.get(item)) throw_error(where, " is malformed");
        metadata.cpu_features.push_back(string_of(item, "cpu_features"));
      }
    } else if (key == "packed") {
      simdjson::ondemand::object object;
      if (value.get_object().get(object)) throw_error(where, ": 'packed' must be an object");
      for (auto entry : object) {
        std::string_view name;
        simdjson::ondemand::value item;
        if (entry.unescaped_key().get(name) || entry.value().get(item)) {
          throw_error(where, " is malformed");
        }
        metadata.packed[std::string(name)] = string_of(item, name);
      }
    } else if (key != "precision" && key != "source") {
      throw_error(where, ": unknown key '", key, "'; re-run `encore optimize`");
    }
  }
  if (metadata.isa.empty()) throw_error(where, ": no 'isa'");
  return metadata;
}

// The ISA check with the remedy a user needs, before any buffer is looked at.
void check_cpu(const Metadata& metadata, const std::string& path) {
  const jit::CpuFeatures& cpu = jit::cpu_features();
  std::string missing;
  for (const auto& feature : metadata.cpu_features) {
    if (!cpu_has(feature)) missing += (missing.empty() ? "" : ", ") + feature;
  }
  const auto level = jit::parse_isa_level(metadata.isa);
  if (!level) throw_error(path, ": packed for an unknown ISA level '", metadata.isa, "'");
  if (*level > cpu.level || !missing.empty()) {
    throw_error(path, ": packed for ", metadata.isa,
                missing.empty() ? std::string() : " (needs " + missing + ")",
                " but this CPU runs at ", jit::isa_level_name(cpu.level),
                cpu.level != cpu.detected ? " (lowered by ENCORE_ISA)" : "",
                ": re-run `encore optimize` on this machine, or with --isa ",
                jit::isa_level_name(cpu.level), " (or lower), or serve the Hugging Face folder");
  }
}

}  // namespace

void write_encore_model(const std::string& model_dir, const EncoreWriteOptions& options,
                        const std::string& out_path) {
  auto weights =
      std::make_shared<const loader::DistilBertWeights>(loader::load_distilbert(model_dir));
  // Refuse to write a file whose tokenizer would not load.
  const Tokenizer tokenizer = Tokenizer::from_dir(model_dir);
  std::optional<engine::Int8Calibration> calibration;
  if (options.precision == engine::Precision::kInt8 && !options.calibration_texts.empty()) {
    calibration = calibrate_int8_on_texts(weights, tokenizer, options.calibration_texts,
                                          options.level, options.calibration_progress);
  }
  const engine::PackedModel packed = engine::pack_model(
      weights, options.precision, options.level, calibration ? &*calibration : nullptr);

  loader::EncoreFileWriter writer;
  writer.add_copy(kMetadataBlob, metadata_json(packed, model_dir));
  for (const char* name : kEmbeddedFiles) {
    const std::string path = model_dir + "/" + name;
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) continue;
    writer.add_copy(std::string(kFilePrefix) + name, read_text_file(path));
  }
  engine::for_each_buffer(packed, [&](const engine::PackedBuffer& buffer) {
    writer.add(std::string(kPackedPrefix) + buffer.name, BlobDtype::kBytes,
               {static_cast<int64_t>(buffer.bytes.size())}, buffer.bytes,
               static_cast<uint32_t>(buffer.alignment));
  });
  writer.write(out_path);
}

EncoreModel load_encore_model(const std::string& path) {
  loader::EncoreFile file = loader::EncoreFile::open(path);
  const Metadata metadata = parse_metadata(file.take(kMetadataBlob, BlobDtype::kBytes).text(), path);
  check_cpu(metadata, path);

  auto embedded = [&](const char* name) -> std::optional<std::string_view> {
    const loader::EncoreBlob* blob = file.find(std::string(kFilePrefix) + name);
    if (blob == nullptr) return std::nullopt;
    return blob->text();
  };
  const auto config_json = embedded("config.json");
  if (!config_json) throw_error(path, ": no embedded config.json; re-run `encore optimize`");
  const loader::ModelConfig config =
      loader::parse_model_config(*config_json, path + ": config.json");
  Tokenizer tokenizer = Tokenizer::from_contents(embedded("tokenizer.json"), embedded("vocab.txt"),
                                                 embedded("tokenizer_config.json"), path);

  auto lookup = [&](std::string_view name) {
    return file.take(std::string(kPackedPrefix) + std::string(name), BlobDtype::kBytes).bytes;
  };
  std::shared_ptr<const engine::PackedModel> packed;
  try {
    packed = std::make_shared<const engine::PackedModel>(
        engine::rebuild_packed_model(config, metadata.packed, lookup, file.storage()));
  } catch (const Error& e) {
    const std::string message = e.what();
    if (message.rfind(path, 0) == 0) throw;
    throw_error(path, ": ", message, "; re-run `encore optimize`");
  }
  file.reject_unknown_blobs();
  return EncoreModel{std::move(tokenizer), std::move(packed)};
}

bool is_encore_path(const std::string& path) {
  std::error_code error;
  return std::filesystem::is_regular_file(path, error);
}

std::shared_ptr<const engine::PackedModel> load_packed_model(const std::string& path,
                                                             engine::Precision precision) {
  if (is_encore_path(path)) return load_encore_model(path).packed;
  return std::make_shared<const engine::PackedModel>(engine::pack_model(
      std::make_shared<const loader::DistilBertWeights>(loader::load_distilbert(path)), precision));
}

}  // namespace encore::api
