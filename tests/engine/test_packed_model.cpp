// PackedModel: every precision against the golden tiny models' reference outputs, and the
// enumerate → rebuild round trip a pre-packed file relies on (same outputs, bit for bit; clear
// errors for a missing, short or misaligned buffer, or a kernel this CPU cannot run).
// Registered once per dispatch level (ENCORE_ISA), like test_encoder.cpp.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/encoder.h"
#include "engine/linear.h"
#include "engine/packed_model.h"
#include "kernels/jit/aligned_buffer.h"
#include "loader/distilbert_weights.h"
#include "tests/engine/golden_rows.h"
#include "tests/engine/isa_guard.h"
#include "tests/loader/loader_test_util.h"

namespace {

using encore::engine::Encoder;
using encore::engine::PackedModel;
using encore::engine::Precision;
using encore::test::GoldenRow;
using encore::test::max_abs_difference;

std::shared_ptr<const encore::loader::DistilBertWeights> load_weights(const std::string& name) {
  return std::make_shared<const encore::loader::DistilBertWeights>(
      encore::loader::load_distilbert(encore::test::tiny_model(name)));
}

// |a - b| / |b| (L2): the size of an error relative to the vector it is made on.
double relative_error(std::span<const float> a, std::span<const float> b) {
  double error = 0, norm = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    error += (double{a[i]} - b[i]) * (double{a[i]} - b[i]);
    norm += double{b[i]} * b[i];
  }
  return std::sqrt(error / norm);
}

// One aligned blob holding every buffer, as a pre-packed file mapped in memory would.
struct Blob {
  std::shared_ptr<encore::jit::AlignedBuffer> bytes;
  std::map<std::string, std::pair<size_t, size_t>> where;  // name → offset, size
};

Blob write_blob(const PackedModel& model) {
  size_t total = 0;
  std::map<std::string, std::pair<size_t, size_t>> where;
  encore::engine::for_each_buffer(model, [&](const encore::engine::PackedBuffer& buffer) {
    total = (total + 63) / 64 * 64;
    CHECK(64 % buffer.alignment == 0);
    CHECK(where.count(buffer.name) == 0);  // names are unique
    where[buffer.name] = {total, buffer.bytes.size()};
    total += buffer.bytes.size();
  });
  auto bytes = std::make_shared<encore::jit::AlignedBuffer>(total);
  encore::engine::for_each_buffer(model, [&](const encore::engine::PackedBuffer& buffer) {
    if (!buffer.bytes.empty())
      std::memcpy(bytes->data() + where[buffer.name].first, buffer.bytes.data(),
                  buffer.bytes.size());
  });
  return {bytes, where};
}

encore::engine::BufferLookup lookup_in(const Blob& blob, const std::string& shorten = "",
                                       size_t misalign = 0) {
  return [&blob, shorten, misalign](std::string_view name) -> std::span<const std::byte> {
    const auto found = blob.where.find(std::string(name));
    if (found == blob.where.end()) encore::throw_error("no buffer '", name, "'");
    const auto [offset, size] = found->second;
    const size_t shift = name == shorten ? misalign : 0;
    return {blob.bytes->data() + offset + shift, size - (name == shorten && !misalign ? 4 : 0)};
  };
}

}  // namespace

// Quantization error model: int8 rows and per-channel weights each keep ~1/255 of their range and
// bf16 keeps 8 significant bits, so each GEMM output carries ~0.5% relative error (relative to
// the vector, not to each element: hidden states have a few large channels). Through two layers
// that stays well below 3% of each token's hidden state (L2), and logits (|logit| < 1 here) move
// by less than 0.05. Measured: ≤ 1% and ≤ 0.02.
TEST_CASE("every precision follows the reference on the golden tiny models") {
  if (!encore::test::requested_isa_runs_here()) return;
  for (const char* name : {"tiny-seq", "tiny-tok"}) {
    const auto weights = load_weights(name);
    const auto rows =
        encore::test::read_golden_rows(encore::test::tiny_model(name) + "/expected.jsonl");
    for (Precision precision : {Precision::kFp32, Precision::kBf16, Precision::kInt8}) {
      auto model =
          std::make_shared<const PackedModel>(encore::engine::pack_model(weights, precision));
      Encoder encoder(model, {.threads = 2});
      double worst_logits = 0, worst_hidden = 0, worst_relative = 0;
      for (const GoldenRow& row : rows) {
        const auto out = encoder.forward({1, static_cast<int64_t>(row.ids.size()), row.ids, {}});
        worst_logits = std::max(worst_logits, max_abs_difference(out.logits, row.logits));
        worst_hidden = std::max(worst_hidden,
                                max_abs_difference(out.last_hidden_state, row.last_hidden_state));
        const int64_t dim = weights->config.dim;
        for (size_t t = 0; t < row.ids.size(); ++t) {
          worst_relative = std::max(
              worst_relative,
              relative_error(out.last_hidden_state.subspan(t * dim, dim),
                             std::span<const float>(row.last_hidden_state).subspan(t * dim, dim)));
        }
      }
      MESSAGE(
          std::string(name), " ", encore::engine::precision_name(precision), " (layers on ",
          encore::engine::linear_kernel_name(encore::engine::linear_kernel(model->layers[0].qkv)),
          "): max |Δ| logits ", worst_logits, ", hidden ", worst_hidden,
          ", relative (L2 per token) ", worst_relative);
      if (precision == Precision::kFp32) {
        CHECK(worst_logits <= 1e-4);
        CHECK(worst_hidden <= 1e-4);
      } else {
        CHECK(worst_relative <= 0.03);
        CHECK(worst_logits <= 0.05);
      }
    }
  }
}

TEST_CASE("a packed model rebuilt from its named buffers runs bit-identically") {
  if (!encore::test::requested_isa_runs_here()) return;
  const auto weights = load_weights("tiny-seq");
  const auto rows =
      encore::test::read_golden_rows(encore::test::tiny_model("tiny-seq") + "/expected.jsonl");
  for (Precision precision : {Precision::kFp32, Precision::kBf16, Precision::kInt8}) {
    auto packed =
        std::make_shared<const PackedModel>(encore::engine::pack_model(weights, precision));
    const Blob blob = write_blob(*packed);
    const auto metadata = encore::engine::packed_metadata(*packed);
    CHECK(metadata.at("precision") == encore::engine::precision_name(precision));
    auto rebuilt = std::make_shared<const PackedModel>(encore::engine::rebuild_packed_model(
        packed->config, metadata, lookup_in(blob), blob.bytes));
    CHECK(packed_metadata(*rebuilt) == metadata);
    Encoder original(packed, {.threads = 2});
    Encoder from_blob(rebuilt, {.threads = 2});
    for (size_t i = 0; i < rows.size(); i += 7) {
      const encore::engine::Batch batch{
          1, static_cast<int64_t>(rows[i].ids.size()), rows[i].ids, {}};
      const auto a = original.forward(batch);
      const std::vector<float> hidden(a.last_hidden_state.begin(), a.last_hidden_state.end());
      const auto b = from_blob.forward(batch);
      CHECK(max_abs_difference(b.last_hidden_state, hidden) == 0.0);
    }
  }
}

TEST_CASE("rebuilding from bad buffers or for a CPU that cannot run them is an encore::Error") {
  if (!encore::test::requested_isa_runs_here()) return;
  const auto weights = load_weights("tiny-seq");
  using encore::jit::IsaLevel;
  const auto packed = encore::engine::pack_model(weights, Precision::kInt8, IsaLevel::avx512_vnni);
  const Blob blob = write_blob(packed);
  auto metadata = encore::engine::packed_metadata(packed);
  auto rebuild = [&](const encore::engine::BufferLookup& lookup) {
    return encore::engine::rebuild_packed_model(packed.config, metadata, lookup, blob.bytes);
  };
  using encore::test::check_error;
  if (encore::jit::cpu_features().level < IsaLevel::avx512_vnni) {
    check_error([&] { rebuild(lookup_in(blob)); },
                {"layers.0.qkv", "jit_int8", "cannot run", "pack the model again"});
    return;
  }
  check_error([&] { rebuild(lookup_in(blob, "layers.1.ffn_out.panels")); },
              {"'layers.1.ffn_out.panels'", "bytes, expected"});
  check_error([&] { rebuild(lookup_in(blob, "layers.0.qkv.panels", 4)); },
              {"'layers.0.qkv.panels'", "not aligned to 64"});
  auto missing = metadata;
  missing.erase("layers.0.out.kernel");
  check_error(
      [&] {
        encore::engine::rebuild_packed_model(packed.config, missing, lookup_in(blob), blob.bytes);
      },
      {"'layers.0.out.kernel'"});
  metadata["layers.0.out.kernel"] = "jit_fp64";
  check_error([&] { rebuild(lookup_in(blob)); }, {"unknown kernel 'jit_fp64'"});
}
