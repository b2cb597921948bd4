#include <algorithm>

#include "engine/api/encore_model_file.h"
#include "engine/api/model_impl.h"
#include "support/error.h"

namespace encore {
namespace {

engine::Precision engine_precision(Precision precision) {
  switch (precision) {
    case Precision::kFp32:
      return engine::Precision::kFp32;
    case Precision::kBf16:
      return engine::Precision::kBf16;
    case Precision::kInt8:
      return engine::Precision::kInt8;
  }
  throw_error("unknown precision ", static_cast<int>(precision));
}

Precision public_precision(engine::Precision precision) {
  switch (precision) {
    case engine::Precision::kFp32:
      return Precision::kFp32;
    case engine::Precision::kBf16:
      return Precision::kBf16;
    case engine::Precision::kInt8:
      return Precision::kInt8;
  }
  throw_error("unknown precision ", static_cast<int>(precision));
}

void check_vocab_size(const std::string& path, const Tokenizer& tokenizer,
                      const loader::ModelConfig& config) {
  if (tokenizer.vocab_size() > static_cast<size_t>(config.vocab_size)) {
    throw_error(path, ": the tokenizer has ", tokenizer.vocab_size(),
                " tokens but config.json's vocab_size is ", config.vocab_size);
  }
}

std::shared_ptr<const Model> make_model(const std::string& path, const ModelOptions& options,
                                        Tokenizer tokenizer,
                                        std::shared_ptr<const engine::PackedModel> packed) {
  const auto& config = packed->config;
  check_vocab_size(path, tokenizer, config);
  const size_t max_length =
      std::min(tokenizer.model_max_length(), static_cast<size_t>(config.max_position_embeddings));
  return std::make_shared<const Model>(std::unique_ptr<Model::Impl>(
      new Model::Impl{path, options, std::move(tokenizer), std::move(packed), max_length}));
}

}  // namespace

std::shared_ptr<const Model> Model::load(const std::string& dir, const ModelOptions& options) {
  if (options.threads < 0)
    throw_error("threads must be 0 (all cores) or more, not ", options.threads);
  // A .encore file (encore optimize) is already packed, and its precision is the one it was
  // packed for, whatever options.precision says.
  if (api::is_encore_path(dir)) {
    api::EncoreModel file = api::load_encore_model(dir);
    ModelOptions file_options = options;
    file_options.precision = public_precision(file.packed->precision);
    return make_model(dir, file_options, std::move(file.tokenizer), std::move(file.packed));
  }
  auto weights = std::make_shared<const loader::DistilBertWeights>(loader::load_distilbert(dir));
  Tokenizer tokenizer = Tokenizer::from_dir(dir);
  check_vocab_size(dir, tokenizer, weights->config);
  auto packed = std::make_shared<const engine::PackedModel>(
      engine::pack_model(std::move(weights), engine_precision(options.precision)));
  return make_model(dir, options, std::move(tokenizer), std::move(packed));
}

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

Task Model::default_task() const {
  switch (impl_->config().architecture) {
    case loader::Architecture::kSequenceClassification:
      return Task::kClassify;
    case loader::Architecture::kTokenClassification:
      return Task::kTokens;
    case loader::Architecture::kBaseModel:
      return Task::kEmbed;
  }
  return Task::kEmbed;
}

bool Model::supports(Task task) const {
  if (task == Task::kEmbed) return true;
  if (task == Task::kRank) return default_task() == Task::kClassify;
  return task == default_task();
}

const std::string& Model::architecture() const {
  return impl_->config().architecture_name;
}
const std::vector<std::string>& Model::labels() const {
  return impl_->config().labels;
}
int64_t Model::hidden_size() const {
  return impl_->config().dim;
}
size_t Model::max_length() const {
  return impl_->max_length;
}
const Tokenizer& Model::tokenizer() const {
  return impl_->tokenizer;
}
const std::string& Model::path() const {
  return impl_->path;
}
const ModelOptions& Model::options() const {
  return impl_->options;
}

}  // namespace encore
