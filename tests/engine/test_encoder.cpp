// Encoder against the golden tiny models (../shared/golden, vendored in tests/data/models): logits
// and hidden states within 1e-4 of the numpy reference; batching, threads and arena growth do not
// change results; bad batches are clear errors. Registered once per dispatch level (ENCORE_ISA).
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#include "engine/encoder.h"
#include "loader/distilbert_weights.h"
#include "tests/engine/golden_rows.h"
#include "tests/engine/isa_guard.h"
#include "tests/loader/loader_test_util.h"

// Counts operator new calls, to check that forward passes do not allocate after warm-up. Every
// replaceable form is replaced, so no block crosses between these and the runtime's (or ASan's).
std::atomic<int64_t> g_allocations{0};

namespace {
void* counted_malloc(size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size ? size : 1);
}
void* counted_aligned_alloc(size_t size, std::align_val_t alignment) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  const size_t align = static_cast<size_t>(alignment);
  return std::aligned_alloc(align, (size + align - 1) / align * align + align);
}
}  // namespace

void* operator new(size_t size) {
  if (void* p = counted_malloc(size)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t size) {
  return operator new(size);
}
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  return counted_malloc(size);
}
void* operator new[](size_t size, const std::nothrow_t&) noexcept {
  return counted_malloc(size);
}
void* operator new(size_t size, std::align_val_t alignment) {
  if (void* p = counted_aligned_alloc(size, alignment)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t size, std::align_val_t alignment) {
  return operator new(size, alignment);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, size_t, std::align_val_t) noexcept {
  std::free(p);
}

namespace {

using encore::engine::Batch;
using encore::engine::Encoder;
using encore::engine::EncoderOptions;
using encore::test::GoldenRow;
using encore::test::max_abs_difference;
using encore::test::PaddedBatch;

struct GoldenModel {
  std::shared_ptr<const encore::loader::DistilBertWeights> weights;
  std::vector<GoldenRow> rows;
};

GoldenModel load_golden(const std::string& name) {
  const std::string dir = encore::test::tiny_model(name);
  return {std::make_shared<const encore::loader::DistilBertWeights>(
              encore::loader::load_distilbert(dir)),
          encore::test::read_golden_rows(dir + "/expected.jsonl")};
}

Batch single_row(const GoldenRow& row) {
  return {1, static_cast<int64_t>(row.ids.size()), row.ids, {}};
}

void check_golden(const std::string& name, int threads) {
  const GoldenModel model = load_golden(name);
  Encoder encoder(model.weights, {.threads = threads});
  double worst_logits = 0, worst_hidden = 0;
  for (const GoldenRow& row : model.rows) {
    INFO(name, " row with ", row.ids.size(), " ids");
    const auto out = encoder.forward(single_row(row));
    worst_logits = std::max(worst_logits, max_abs_difference(out.logits, row.logits));
    worst_hidden =
        std::max(worst_hidden, max_abs_difference(out.last_hidden_state, row.last_hidden_state));
  }
  MESSAGE(name, " (", model.rows.size(), " rows, ", threads, " threads): max |Δ| logits ",
          worst_logits, ", last_hidden_state ", worst_hidden);
  CHECK(worst_logits <= 1e-4);
  CHECK(worst_hidden <= 1e-4);
}

}  // namespace

TEST_CASE("tiny-seq: logits and hidden states match the reference within 1e-4") {
  if (!encore::test::requested_isa_runs_here()) return;
  check_golden("tiny-seq", 1);
  check_golden("tiny-seq", 2);
}

TEST_CASE("tiny-tok: token logits and hidden states match the reference within 1e-4") {
  if (!encore::test::requested_isa_runs_here()) return;
  check_golden("tiny-tok", 1);
  check_golden("tiny-tok", 2);
}

TEST_CASE("rows run one at a time and as one padded batch agree within 1e-5") {
  if (!encore::test::requested_isa_runs_here()) return;
  for (const char* name : {"tiny-seq", "tiny-tok"}) {
    const GoldenModel model = load_golden(name);
    const encore::loader::ModelConfig& config = model.weights->config;
    std::vector<const GoldenRow*> rows;
    std::vector<std::span<const int32_t>> row_ids;
    for (size_t i = 0; i < model.rows.size() && rows.size() < 7; i += 3) {
      rows.push_back(&model.rows[i]);
      row_ids.push_back(model.rows[i].ids);
    }
    const PaddedBatch padded(row_ids);

    // Start with a tiny arena so the batch makes it grow.
    Encoder batched(model.weights, {.threads = 2, .max_batch_tokens = 8});
    const auto out = batched.forward(padded.batch);
    const std::vector<float> batch_hidden(out.last_hidden_state.begin(),
                                          out.last_hidden_state.end());
    const std::vector<float> batch_logits(out.logits.begin(), out.logits.end());

    Encoder single(model.weights, {.threads = 1});
    const bool per_token =
        config.architecture == encore::loader::Architecture::kTokenClassification;
    const int64_t labels = config.num_labels();
    for (size_t b = 0; b < rows.size(); ++b) {
      INFO(name, " batch row ", b, " (", rows[b]->ids.size(), " of ", padded.seq, " ids)");
      const auto one = single.forward(single_row(*rows[b]));
      const int64_t real = static_cast<int64_t>(rows[b]->ids.size());
      const float* hidden = batch_hidden.data() + b * padded.seq * config.dim;
      CHECK(max_abs_difference(one.last_hidden_state,
                               {hidden, static_cast<size_t>(real * config.dim)}) <= 1e-5);
      const float* logits = batch_logits.data() + b * (per_token ? padded.seq : 1) * labels;
      CHECK(max_abs_difference(one.logits, {logits, static_cast<size_t>((per_token ? real : 1) *
                                                                        labels)}) <= 1e-5);
    }
  }
}

TEST_CASE("forward passes do not allocate after warm-up") {
  if (!encore::test::requested_isa_runs_here()) return;
  const GoldenModel model = load_golden("tiny-seq");
  Encoder encoder(model.weights, {.threads = 2});
  std::vector<std::span<const int32_t>> row_ids;
  for (size_t i = 0; i < 4; ++i) row_ids.push_back(model.rows[i].ids);
  const PaddedBatch padded(row_ids);
  encoder.forward(padded.batch);  // warm-up
  const int64_t before = g_allocations.load();
  encoder.forward(padded.batch);
  encoder.forward(single_row(model.rows[5]));
  const int64_t allocations = g_allocations.load() - before;
  CHECK(allocations == 0);
}

TEST_CASE("a base model (no head) returns hidden states and no logits") {
  if (!encore::test::requested_isa_runs_here()) return;
  GoldenModel model = load_golden("tiny-seq");
  auto base = std::make_shared<encore::loader::DistilBertWeights>(*model.weights);
  base->config.architecture = encore::loader::Architecture::kBaseModel;
  base->config.labels.clear();
  Encoder encoder(base, {.threads = 1});
  const GoldenRow& row = model.rows.front();
  const auto out = encoder.forward(single_row(row));
  CHECK(out.logits.empty());
  CHECK(max_abs_difference(out.last_hidden_state, row.last_hidden_state) <= 1e-4);
}

TEST_CASE("invalid batches are encore::Errors that say what is wrong") {
  if (!encore::test::requested_isa_runs_here()) return;
  const GoldenModel model = load_golden("tiny-seq");
  Encoder encoder(model.weights, {.threads = 1});
  using encore::test::check_error;
  std::vector<int32_t> ids = {101, 2000, 102};
  check_error(
      [&] {
        encoder.forward({1, 3, std::vector<int32_t>{101, 30522, 102}, {}});
      },
      {"token id 30522", "[0, 1]", "vocabulary [0, 30522)"});
  check_error(
      [&] {
        encoder.forward({1, 3, std::vector<int32_t>{101, -1, 102}, {}});
      },
      {"token id -1"});
  check_error([&] { encoder.forward({2, 3, ids, {}}); }, {"ids has 3 elements", "= 6"});
  check_error(
      [&] {
        encoder.forward({1, 3, ids, std::vector<int32_t>{1, 1}});
      },
      {"attention_mask has 2 elements"});
  check_error([&] { encoder.forward({0, 3, {}, {}}); }, {"empty"});
  const std::vector<int32_t> long_ids(513, 1000);
  check_error(
      [&] {
        encoder.forward({1, 513, long_ids, {}});
      },
      {"sequence length 513", "max_position_embeddings 512"});
}
