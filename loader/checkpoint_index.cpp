#include "loader/checkpoint_index.h"

#include <simdjson.h>

#include <set>

#include "support/error.h"

namespace encore::loader {
namespace {

// Shard names come from a file we do not trust: keep them inside the model folder.
bool is_plain_file_name(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

}  // namespace

std::vector<ShardedTensor> parse_checkpoint_index(std::string_view json,
                                                  const std::string& source) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto error = parser.parse(json.data(), json.size()).get(root)) {
    throw_error(source, ": not valid JSON (", simdjson::error_message(error), ")");
  }
  simdjson::dom::object weight_map;
  if (auto error = root["weight_map"].get(weight_map)) {
    throw_error(source, ": needs an object 'weight_map' (tensor name → shard file): ",
                simdjson::error_message(error));
  }
  std::vector<ShardedTensor> entries;
  std::set<std::string_view> seen;
  for (auto [tensor, shard_value] : weight_map) {
    std::string_view shard;
    if (shard_value.get(shard) || !is_plain_file_name(shard)) {
      throw_error(source, ": tensor '", tensor, "' maps to something that is not a file name");
    }
    // simdjson keeps duplicate keys; JSON readers disagree on which wins, so refuse them.
    if (!seen.insert(tensor).second) throw_error(source, ": tensor '", tensor, "' is listed twice");
    entries.push_back({std::string(tensor), std::string(shard)});
  }
  return entries;
}

}  // namespace encore::loader
