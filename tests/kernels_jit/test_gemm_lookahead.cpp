// The int8 and bf16 GEMMs' next-block prefetch (GemmPlan::lookahead_lines, jit::NextWeights): what the
// planner decides, and that prefetching — of the next block of panels, or of another GEMM's
// weights after the last block — never changes a result: several blocks of panels against the
// scalar reference, and the same call with and without NextWeights bit for bit.
#include <doctest/doctest.h>

#include <cstring>
#include <random>
#include <vector>

#include "jit_gemm_tester.h"
#include "kernels/jit/bf16.h"
#include "kernels/jit/cpu_features.h"
#include "kernels/jit/gemm.h"
#include "kernels/jit/gemm_plan.h"
#include "kernels/jit/packed_weights.h"

namespace encore::test {
namespace {

constexpr int kVnni = static_cast<int>(jit::IsaLevel::avx512_vnni);
const jit::CacheSizes kZen{32 * 1024, 1024 * 1024, 32 * 1024 * 1024};

std::vector<float> random_floats(size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> values(count);
  for (float& v : values) v = dist(rng);
  return values;
}

bool bf16_available() {
  return jit_level_available(static_cast<int>(jit::IsaLevel::avx512)) && jit::cpu_features().has_bf16;
}

}  // namespace

TEST_CASE("lookahead: int8 with 2..16 row blocks prefetches the next block, in L2/4 blocks") {
  using jit::GemmPrecision;
  CHECK(jit::plan_gemm(GemmPrecision::int8_vnni, 6, 2304, 768, {}, kZen).lookahead_lines == 0);
  CHECK(jit::plan_gemm(GemmPrecision::int8_vnni, 8, 2304, 768, {}, kZen).lookahead_lines == 2);
  CHECK(jit::plan_gemm(GemmPrecision::int8_vnni, 18, 2304, 768, {}, kZen).lookahead_lines == 2);
  CHECK(jit::plan_gemm(GemmPrecision::int8_vnni, 19, 2304, 768, {}, kZen).lookahead_lines == 1);
  CHECK(jit::plan_gemm(GemmPrecision::int8_vnni, 96, 2304, 768, {}, kZen).lookahead_lines == 1);
  CHECK(jit::plan_gemm(GemmPrecision::int8_vnni, 97, 2304, 768, {}, kZen).lookahead_lines == 0);
  CHECK(jit::plan_gemm(GemmPrecision::bf16, 8, 768, 3072, {}, kZen).lookahead_lines == 2);
  CHECK(jit::plan_gemm(GemmPrecision::bf16, 64, 768, 3072, {}, kZen).lookahead_lines == 1);
  CHECK(jit::plan_gemm(GemmPrecision::bf16, 97, 768, 3072, {}, kZen).lookahead_lines == 0);
  CHECK(jit::plan_gemm(GemmPrecision::fp32, 64, 2304, 768, {}, kZen).lookahead_lines == 0);
  for (size_t k : {768, 3072}) {
    const jit::GemmPlan plan = jit::plan_gemm(GemmPrecision::int8_vnni, 32, 3072, k, {}, kZen);
    const size_t panel_bytes = jit::Int8PanelLayout::panel_bytes(k);
    CHECK(plan.kernels[0][0][0].lookahead_lines == plan.lookahead_lines);
    CHECK((plan.panels_per_block == 1 || plan.panels_per_block * panel_bytes <= kZen.l2 / 4));
  }
  // Without lookahead the block stays half of L2.
  const jit::GemmPlan single = jit::plan_gemm(GemmPrecision::int8_vnni, 6, 768, 3072, {}, kZen);
  CHECK(single.panels_per_block >= 2);
}

TEST_CASE("lookahead: many blocks of panels, every row blocking, against the scalar reference") {
  if (!jit_level_available(kVnni)) return;
  // N = 2304 at K = 768: 36 panels, several L2 blocks per slice, so calls prefetch both inside
  // the range and past its end.
  for (size_t m : {7, 8, 13, 19, 32}) {
    JitGemmTester().m(m).n(2304).k(768).test_int8_raw();
    JitGemmTester().m(m).n(2304 - 17).k(765).slices(2).test_int8();
  }
  JitGemmTester().m(64).n(300).k(3072).slices(3).test_int8();
  if (!bf16_available()) return;
  for (size_t m : {7, 8, 19, 32}) JitGemmTester().m(m).n(768 - 17).k(3072 - 2).slices(2).test_bf16();
}

// A GEMM of [m, k] x [n, k]ᵀ run in two slices, once plain and once prefetching another GEMM's
// [next_n, next_k] weights after each slice: the outputs must be identical bit for bit.
// pack(weights, bias, n, k) packs, rows(x, m, k) prepares the activations.
template <class Gemm, class Pack, class Rows>
void check_next_weights_change_nothing(size_t n, size_t k, size_t next_n, size_t next_k, Pack pack,
                                       Rows rows_of) {
  const std::vector<float> w = random_floats(n * k, 1);
  const std::vector<float> bias = random_floats(n, 2);
  const std::vector<float> next_w = random_floats(next_n * next_k, 3);
  const auto packed = pack(w.data(), bias.data(), n, k);
  const auto next = pack(next_w.data(), nullptr, next_n, next_k);
  for (size_t m : {8, 32, 45}) {
    INFO("M=", m);
    const std::vector<float> x = random_floats(m * k, 4 + static_cast<uint32_t>(m));
    const auto rows = rows_of(x, m, k);
    const Gemm gemm(m, n, k, {});
    std::vector<float> plain(m * n), ahead(m * n, -7.0f);
    for (size_t part = 0; part < 2; ++part) {
      const jit::PanelRange range = jit::split_panels(packed.panel_count(), part, 2);
      gemm.run(rows, packed, {plain.data(), n, nullptr, 0}, range);
      const jit::PanelRange next_range = jit::split_panels(next.panel_count(), part, 2);
      gemm.run(rows, packed, {ahead.data(), n, nullptr, 0}, range,
               {next.panel(next_range.first), next_range.count * next.panel_bytes()});
    }
    CHECK(std::memcmp(plain.data(), ahead.data(), plain.size() * sizeof(float)) == 0);
  }
}

TEST_CASE("lookahead: NextWeights changes nothing, bit for bit (int8)") {
  if (!jit_level_available(kVnni)) return;
  check_next_weights_change_nothing<jit::Int8Gemm>(
      1000, 768, 2304, 768, jit::pack_int8_weights,
      [](const std::vector<float>& x, size_t m, size_t k) {
        jit::QuantizedRows rows;
        jit::quantize_rows(x.data(), m, k, k, rows);
        return rows;
      });
}

TEST_CASE("lookahead: NextWeights changes nothing, bit for bit (bf16)") {
  if (!bf16_available()) return;
  check_next_weights_change_nothing<jit::Bf16Gemm>(
      768, 3072, 2304, 768, jit::pack_bf16_weights,
      [](const std::vector<float>& x, size_t m, size_t k) {
        jit::Bf16Rows rows;
        jit::convert_rows_to_bf16(x.data(), m, k, k, rows);
        return rows;
      });
}

}  // namespace encore::test
