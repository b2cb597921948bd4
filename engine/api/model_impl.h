// What a loaded encore::Model holds; shared by model.cpp and session.cpp.
#pragma once

#include <memory>
#include <string>

#include "encore/encore.h"
#include "engine/packed_model.h"

namespace encore {

struct Model::Impl {
  std::string path;
  ModelOptions options;
  Tokenizer tokenizer;
  // Packed once at load (or mapped from a .encore file); shared by every Session's Encoder.
  std::shared_ptr<const engine::PackedModel> packed;
  size_t max_length = 0;

  const loader::ModelConfig& config() const { return packed->config; }
};

}  // namespace encore
