// .encore files for encore::Model: `encore optimize` packs a Hugging Face folder for this CPU and
// writes one (loader/encore_file_writer.h); Model::load reads one back, borrowing every packed
// buffer from the mmap, so loading does no packing. The file also embeds config.json and the
// tokenizer files, so it stands alone. Blob names and metadata: loader/README.md.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "encore/encore.h"
#include "engine/packed_model.h"
#include "kernels/jit/cpu_features.h"

namespace encore::api {

struct EncoreWriteOptions {
  engine::Precision precision = engine::Precision::kFp32;
  jit::IsaLevel level = jit::IsaLevel::portable;  // the dispatch level to pack for
  // int8: texts to calibrate the int8 weights on (GPTQ, engine/api/int8_calibration.h); empty =
  // round to nearest. Ignored for other precisions.
  std::vector<std::string> calibration_texts = {};
  // Called after each calibration text with (texts done, total); the last call comes before GPTQ.
  std::function<void(size_t, size_t)> calibration_progress = {};
};

// Loads `model_dir`, packs it and writes `out_path` atomically (no partial file on error).
void write_encore_model(const std::string& model_dir, const EncoreWriteOptions& options,
                        const std::string& out_path);

// What a .encore file holds, validated: checksums, this CPU's support for the ISA level and
// features it was packed for, every blob known. Throws encore::Error naming the file.
struct EncoreModel {
  Tokenizer tokenizer;
  std::shared_ptr<const engine::PackedModel> packed;
};
EncoreModel load_encore_model(const std::string& path);

// A model path naming a regular file is read as a .encore file (a folder is a Hugging Face
// checkpoint), so a foreign file gets "not a .encore file" rather than "folder not found".
bool is_encore_path(const std::string& path);

// The packed model of a .encore file (its own precision) or of a Hugging Face folder packed now
// for `precision`: what tools that drive the Encoder directly (encore bench) load.
std::shared_ptr<const engine::PackedModel> load_packed_model(const std::string& path,
                                                             engine::Precision precision);

}  // namespace encore::api
