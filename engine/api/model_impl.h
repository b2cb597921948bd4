// What a loaded encore::Model holds; shared by model.cpp and session.cpp.
#pragma once

#include <memory>
#include <string>

#include "encore/encore.h"
#include "loader/distilbert_weights.h"

namespace encore {

struct Model::Impl {
  std::string path;
  ModelOptions options;
  Tokenizer tokenizer;
  std::shared_ptr<const loader::DistilBertWeights> weights;
  size_t max_length = 0;

  const loader::ModelConfig& config() const { return weights->config; }
};

}  // namespace encore
