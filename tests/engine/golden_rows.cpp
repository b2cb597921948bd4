#include "tests/engine/golden_rows.h"

#include <doctest/doctest.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <fstream>

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

double max_abs_difference(std::span<const float> got, std::span<const float> expected) {
  REQUIRE(got.size() == expected.size());
  double max = 0;
  for (size_t i = 0; i < got.size(); ++i)
    max = std::max(max, double(std::abs(got[i] - expected[i])));
  return max;
}

PaddedBatch::PaddedBatch(const std::vector<std::span<const int32_t>>& rows) {
  for (const auto& row : rows) seq = std::max<int64_t>(seq, static_cast<int64_t>(row.size()));
  ids.assign(rows.size() * seq, 0);
  mask.assign(rows.size() * seq, 0);
  for (size_t b = 0; b < rows.size(); ++b) {
    std::copy(rows[b].begin(), rows[b].end(), ids.begin() + b * seq);
    std::fill_n(mask.begin() + b * seq, rows[b].size(), 1);
  }
  batch = {static_cast<int64_t>(rows.size()), seq, ids, mask};
}

}  // namespace encore::test
