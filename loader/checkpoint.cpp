#include "loader/checkpoint.h"

#include <filesystem>

#include "loader/checkpoint_index.h"
#include "support/error.h"

namespace encore::loader {
namespace fs = std::filesystem;

namespace {
constexpr const char* kSingleFile = "model.safetensors";
constexpr const char* kIndexFile = "model.safetensors.index.json";
constexpr const char* kPytorchFile = "pytorch_model.bin";
constexpr const char* kPytorchIndexFile = "pytorch_model.bin.index.json";
}  // namespace

std::string pytorch_conversion_hint(const std::string& model_dir) {
  return model_dir + ": has " + kPytorchFile + " but no " + kSingleFile +
         "; encore reads only safetensors (a pickle can run code when loaded). Convert it once:\n"
         "  python3 -c \"import torch; from safetensors.torch import save_file; "
         "sd = torch.load('" +
         model_dir + "/" + kPytorchFile +
         "', map_location='cpu'); "
         "save_file({k: v.clone().contiguous() for k, v in sd.items()}, '" +
         model_dir + "/" + kSingleFile +
         "', metadata={'format': 'pt'})\"\n"
         "or with transformers: AutoModelForSequenceClassification.from_pretrained('" +
         model_dir + "').save_pretrained('" + model_dir +
         "', safe_serialization=True) "
         "(AutoModelForTokenClassification or AutoModel for the other architectures)";
}

Checkpoint::Checkpoint(const std::string& model_dir) {
  std::error_code ec;
  if (!fs::is_directory(model_dir, ec)) throw_error(model_dir, ": model folder not found");
  const fs::path dir(model_dir);
  if (fs::exists(dir / kSingleFile, ec)) {
    main_file_ = (dir / kSingleFile).string();
    add_shard(main_file_);
  } else if (fs::exists(dir / kIndexFile, ec)) {
    main_file_ = (dir / kIndexFile).string();
    load_index(model_dir);
  } else if (fs::exists(dir / kPytorchFile, ec) || fs::exists(dir / kPytorchIndexFile, ec)) {
    throw Error(pytorch_conversion_hint(model_dir));
  } else {
    throw_error((dir / kSingleFile).string(), ": not found (nor ", kIndexFile,
                " for a sharded checkpoint)");
  }
}

void Checkpoint::add_shard(const std::string& path) {
  MappedFile file(path);
  for (TensorView& view : parse_safetensors(file.bytes(), path)) {
    auto existing = tensors_.find(view.name);
    if (existing != tensors_.end()) {
      throw_error(path, ": tensor '", view.name, "' is also in ",
                  shards_[existing->second.shard].path());
    }
    std::string name = view.name;
    tensors_.emplace(std::move(name), Entry{std::move(view), shards_.size()});
  }
  shards_.push_back(std::move(file));  // the mmap moves, its bytes (and the views) stay put
}

void Checkpoint::load_index(const std::string& model_dir) {
  const std::vector<ShardedTensor> index =
      parse_checkpoint_index(read_text_file(main_file_), main_file_);
  // Map every shard once, then check each listed tensor really is in the shard named for it.
  std::map<std::string, size_t, std::less<>> shard_index;
  for (const ShardedTensor& entry : index) {
    if (shard_index.count(entry.shard)) continue;
    const std::string path = (fs::path(model_dir) / entry.shard).string();
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
      throw_error(main_file_, ": shard '", entry.shard, "' (listed for tensor '", entry.tensor,
                  "') not found at ", path);
    }
    shard_index.emplace(entry.shard, shards_.size());
    add_shard(path);
  }
  for (const ShardedTensor& entry : index) {
    auto found = tensors_.find(entry.tensor);
    if (found == tensors_.end() || found->second.shard != shard_index.at(entry.shard)) {
      throw_error(main_file_, ": tensor '", entry.tensor, "' is listed in shard '", entry.shard,
                  "' but that file does not hold it");
    }
  }
}

const TensorView* Checkpoint::find(std::string_view name) const {
  auto entry = tensors_.find(name);
  return entry == tensors_.end() ? nullptr : &entry->second.view;
}

const std::string& Checkpoint::file_of(std::string_view name) const {
  auto entry = tensors_.find(name);
  return entry == tensors_.end() ? main_file_ : shards_[entry->second.shard].path();
}

}  // namespace encore::loader
