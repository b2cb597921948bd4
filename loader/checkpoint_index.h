// model.safetensors.index.json — which shard file holds each tensor of a sharded checkpoint.
// Parsed apart from the files it names, so the parser can be fuzzed on its own.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace encore::loader {

struct ShardedTensor {
  std::string tensor;
  std::string shard;  // a plain file name in the model folder (no '/', not "." or "..")
};

// The "weight_map" object of an index file, in file order (other keys, e.g. "metadata", are
// ignored). Throws encore::Error naming `source` when the JSON is malformed, weight_map is missing,
// a shard is not a plain file name, or a tensor is listed twice.
std::vector<ShardedTensor> parse_checkpoint_index(std::string_view json, const std::string& source);

}  // namespace encore::loader
