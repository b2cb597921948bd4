// Checkpoint — every tensor of a model folder, memory-mapped and validated: `model.safetensors`, or
// the shards listed in `model.safetensors.index.json`. A folder with only `pytorch_model.bin` is
// refused with instructions to convert it (pickle files can run code; encore never reads them).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "loader/safetensors.h"
#include "support/mapped_file.h"

namespace encore::loader {

class Checkpoint {
 public:
  // Throws encore::Error naming the folder or file for any problem.
  explicit Checkpoint(const std::string& model_dir);

  // nullptr when the checkpoint has no tensor of that name.
  const TensorView* find(std::string_view name) const;
  // The path of the file holding `name` (or of the checkpoint's main file when absent), for
  // messages.
  const std::string& file_of(std::string_view name) const;
  // model.safetensors or model.safetensors.index.json: what a missing-tensor error should name.
  const std::string& main_file() const { return main_file_; }

 private:
  struct Entry {
    TensorView view;
    size_t shard;
  };
  void add_shard(const std::string& path);
  void load_index(const std::string& model_dir);

  std::string main_file_;
  std::vector<MappedFile> shards_;
  std::map<std::string, Entry, std::less<>> tensors_;
};

// The message for a folder holding only a PyTorch pickle: how to write model.safetensors.
std::string pytorch_conversion_hint(const std::string& model_dir);

}  // namespace encore::loader
