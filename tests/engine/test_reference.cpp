// Full-size DistilBERT (768 dim, 12 heads, 6 layers, outlier LayerNorm channels) in F32 and BF16
// against ../shared/reference/distilbert_ref.py (numpy): logits within 1e-4 at sequence lengths 8,
// 64 and 512 and in a mixed-length padded batch. The models and reference outputs are generated
// once and cached in the build folder (ENCORE_REFERENCE_CACHE). Skips without ../shared.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "engine/encoder.h"
#include "loader/distilbert_weights.h"
#include "tests/engine/golden_rows.h"
#include "tests/loader/loader_test_util.h"

namespace {

namespace fs = std::filesystem;
using encore::test::GoldenRow;
using encore::test::max_abs_difference;

// Single rows of these lengths, then one padded batch of the mixed lengths.
const std::vector<int64_t> kSingleLengths = {8, 64, 512};
const std::vector<int64_t> kBatchLengths = {23, 130, 8, 64};

void run_or_fail(const std::string& command) {
  MESSAGE("running: ", command);
  REQUIRE_MESSAGE(std::system(command.c_str()) == 0, "failed: ", command);
}

// [CLS] random word pieces [SEP], deterministic.
std::vector<std::vector<int32_t>> make_rows(int64_t vocab_size) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int32_t> word(1000, static_cast<int32_t>(vocab_size - 1));
  std::vector<std::vector<int32_t>> rows;
  auto add = [&](int64_t length) {
    std::vector<int32_t> ids(length);
    for (int32_t& id : ids) id = word(rng);
    ids.front() = 101;
    ids.back() = 102;
    rows.push_back(ids);
  };
  for (int64_t length : kSingleLengths) add(length);
  for (int64_t length : kBatchLengths) add(length);
  return rows;
}

std::string to_jsonl(const std::vector<std::vector<int32_t>>& rows) {
  std::ostringstream out;
  for (const auto& ids : rows) {
    out << "{\"ids\": [";
    for (size_t i = 0; i < ids.size(); ++i) out << (i ? ", " : "") << ids[i];
    out << "]}\n";
  }
  return out.str();
}

void check_dtype(const std::string& shared, const fs::path& cache, const std::string& dtype) {
  INFO("dtype ", dtype);
  const std::string python = "/usr/bin/python3 " + shared + "/reference/distilbert_ref.py";
  const fs::path model = cache / ("distilbert-" + dtype);
  if (!fs::exists(model / "model.safetensors")) {
    const fs::path partial = cache / ("distilbert-" + dtype + ".partial");
    fs::remove_all(partial);
    run_or_fail(python + " make-model --outliers --dtype " + dtype + " --out " + partial.string() +
                " --vocab " + shared + "/vocab/bert-base-uncased-vocab.txt");
    fs::rename(partial, model);
  }

  const auto weights = std::make_shared<const encore::loader::DistilBertWeights>(
      encore::loader::load_distilbert(model.string()));
  const auto rows = make_rows(weights->config.vocab_size);
  const std::string ids_jsonl = to_jsonl(rows);
  // Keyed by the ids, so changing the rows above regenerates the reference.
  const std::string key = std::to_string(std::hash<std::string>{}(ids_jsonl) % 1000000007);
  const fs::path ids_path = cache / ("ids-" + key + ".jsonl");
  const fs::path expected_path = cache / ("expected-" + dtype + "-" + key + ".jsonl");
  if (!fs::exists(expected_path)) {
    encore::test::write_file(ids_path.string(), ids_jsonl);
    run_or_fail(python + " run --model " + model.string() + " --ids " + ids_path.string() +
                " --out " + expected_path.string() + ".partial");
    fs::rename(expected_path.string() + ".partial", expected_path);
  }
  const std::vector<GoldenRow> expected = encore::test::read_golden_rows(expected_path.string());
  REQUIRE(expected.size() == rows.size());

  encore::engine::Encoder encoder(weights, {.threads = 2});
  const int64_t labels = weights->config.num_labels();
  for (size_t r = 0; r < kSingleLengths.size(); ++r) {
    REQUIRE(expected[r].ids == rows[r]);
    const auto out = encoder.forward({1, static_cast<int64_t>(rows[r].size()), rows[r], {}});
    const double error = max_abs_difference(out.logits, expected[r].logits);
    MESSAGE(dtype, " seq ", rows[r].size(), ": max |Δ logits| ", error);
    CHECK(error <= 1e-4);
  }

  const size_t first = kSingleLengths.size();
  const encore::test::PaddedBatch padded({rows.begin() + first, rows.end()});
  const auto out = encoder.forward(padded.batch);
  for (int64_t b = 0; b < padded.batch.batch; ++b) {
    const double error =
        max_abs_difference(out.logits.subspan(b * labels, labels), expected[first + b].logits);
    MESSAGE(dtype, " batch row ", b, " (", kBatchLengths[b], " of ", padded.seq,
            " ids): max |Δ logits| ", error);
    CHECK(error <= 1e-4);
  }
}

}  // namespace

TEST_CASE("full-size DistilBERT matches the numpy reference (F32 and BF16 checkpoints)") {
  const std::string shared = encore::test::shared_dir();
  if (shared.empty()) {
    MESSAGE(
        "SKIPPED: ../shared (ENCORE_SHARED) is not available; the full-size reference check needs "
        "it");
    return;
  }
  const std::string cache = encore::test::env("ENCORE_REFERENCE_CACHE");
  REQUIRE_MESSAGE(!cache.empty(), "ENCORE_REFERENCE_CACHE is not set (run through meson test)");
  fs::create_directories(cache);
  check_dtype(shared, cache, "F32");
  check_dtype(shared, cache, "BF16");
}
