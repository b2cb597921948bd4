#include "tests/engine/golden_rows.h"

#include <doctest/doctest.h>
#include <simdjson.h>

#include <fstream>
#include <sstream>

namespace encore::test {
namespace {

// Appends every number of a (possibly nested) array to `out`.
void flatten(simdjson::ondemand::value value, std::vector<float>& out) {
  if (value.type() == simdjson::ondemand::json_type::array) {
    for (simdjson::ondemand::value element : value.get_array()) flatten(element, out);
  } else {
    out.push_back(static_cast<float>(double(value.get_double())));
  }
}

}  // namespace

std::vector<GoldenRow> read_golden_rows(const std::string& jsonl_path) {
  std::ifstream in(jsonl_path);
  REQUIRE_MESSAGE(in.good(), "cannot read ", jsonl_path);
  std::vector<GoldenRow> rows;
  simdjson::ondemand::parser parser;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    simdjson::padded_string padded(line);
    simdjson::ondemand::document doc = parser.iterate(padded);
    GoldenRow row;
    for (auto field : doc.get_object()) {
      const std::string_view key = field.unescaped_key();
      if (key == "ids") {
        for (int64_t id : field.value().get_array()) row.ids.push_back(static_cast<int32_t>(id));
      } else if (key == "logits" || key == "token_logits") {
        flatten(field.value(), row.logits);
      } else if (key == "last_hidden_state") {
        flatten(field.value(), row.last_hidden_state);
      }
    }
    rows.push_back(std::move(row));
  }
  REQUIRE_MESSAGE(!rows.empty(), jsonl_path, " has no rows");
  return rows;
}

}  // namespace encore::test
