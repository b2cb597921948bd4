// Reading expected outputs written by ../shared/reference/distilbert_ref.py (`run`, and the
// golden expected.jsonl files): one JSON object per line with `ids` and any of `logits`,
// `token_logits`, `last_hidden_state` (nested arrays, flattened here in row-major order).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace encore::test {

struct GoldenRow {
  std::vector<int32_t> ids;
  std::vector<float> logits;             // `logits` or `token_logits`
  std::vector<float> last_hidden_state;  // empty when the file has none
};

std::vector<GoldenRow> read_golden_rows(const std::string& jsonl_path);

}  // namespace encore::test
