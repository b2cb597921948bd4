// Test helpers for the Encoder: reading expected outputs written by
// ../shared/reference/distilbert_ref.py (`run`, and the golden expected.jsonl files): one JSON
// object per line with `ids` and any of `logits`, `token_logits`, `last_hidden_state` (nested
// arrays, flattened here in row-major order); comparing outputs; padding rows into a batch.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/encoder.h"

namespace encore::test {

struct GoldenRow {
  std::vector<int32_t> ids;
  std::vector<float> logits;             // `logits` or `token_logits`
  std::vector<float> last_hidden_state;  // empty when the file has none
};

std::vector<GoldenRow> read_golden_rows(const std::string& jsonl_path);

// Largest |got[i] - expected[i]|; the sizes must match (a doctest REQUIRE).
double max_abs_difference(std::span<const float> got, std::span<const float> expected);

// Rows of ids padded with 0 into one [rows, longest] batch, with its attention mask.
struct PaddedBatch {
  explicit PaddedBatch(const std::vector<std::span<const int32_t>>& rows);
  PaddedBatch(const PaddedBatch&) = delete;
  PaddedBatch& operator=(const PaddedBatch&) = delete;

  int64_t seq = 0;
  std::vector<int32_t> ids, mask;
  engine::Batch batch;  // views ids and mask
};

}  // namespace encore::test
