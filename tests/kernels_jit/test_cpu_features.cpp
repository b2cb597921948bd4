#include <doctest/doctest.h>

#include "hwy/targets.h"
#include "kernels/jit/cpu_features.h"
#include "support/error.h"

namespace encore::jit {

namespace {

// Highway's target masks of two CPUs: an AVX-512 one and one that stops at SSE4.
constexpr int64_t kAvx512Cpu = HWY_AVX3 | HWY_AVX2 | HWY_SSE4 | HWY_SSSE3 | HWY_EMU128;
constexpr int64_t kSse4Cpu = HWY_SSE4 | HWY_SSSE3 | HWY_EMU128;

IsaLevel level_of(IsaLevel detected, std::string_view value) {
  return apply_isa_override(detected, kAvx512Cpu, value).level;
}

}  // namespace

TEST_CASE("ISA level names round-trip and unknown names are rejected") {
  for (IsaLevel level : {IsaLevel::portable, IsaLevel::avx512, IsaLevel::avx512_vnni}) {
    CHECK(parse_isa_level(isa_level_name(level)) == level);
  }
  // avx2 and sse4 are ENCORE_ISA values, not levels a model can be packed for.
  CHECK_FALSE(parse_isa_level("avx2").has_value());
  CHECK_FALSE(parse_isa_level("").has_value());
}

TEST_CASE("ENCORE_ISA values: JIT levels, portable, and the Highway caps below it") {
  for (IsaLevel level : {IsaLevel::portable, IsaLevel::avx512, IsaLevel::avx512_vnni}) {
    const auto request = parse_isa_request(isa_level_name(level));
    REQUIRE(request.has_value());
    CHECK(request->level == level);
    CHECK(request->highway == HighwayCap::best);
  }
  const auto avx2 = parse_isa_request("avx2");
  REQUIRE(avx2.has_value());
  CHECK(avx2->level == IsaLevel::portable);
  CHECK(avx2->highway == HighwayCap::avx2);
  const auto sse4 = parse_isa_request("sse4");
  REQUIRE(sse4.has_value());
  CHECK(sse4->level == IsaLevel::portable);
  CHECK(sse4->highway == HighwayCap::sse4);
  CHECK_FALSE(parse_isa_request("AVX2").has_value());
  CHECK_FALSE(parse_isa_request("sse2").has_value());
  CHECK_FALSE(parse_isa_request("").has_value());
}

TEST_CASE("a Highway cap disables exactly the better targets") {
  CHECK(highway_targets_above(HighwayCap::best) == 0);
  const int64_t above_avx2 = highway_targets_above(HighwayCap::avx2);
  CHECK((above_avx2 & HWY_AVX3) != 0);
  CHECK((above_avx2 & HWY_AVX3_DL) != 0);
  CHECK((above_avx2 & (HWY_AVX2 | HWY_SSE4 | HWY_SSSE3 | HWY_EMU128 | HWY_SCALAR)) == 0);
  const int64_t above_sse4 = highway_targets_above(HighwayCap::sse4);
  CHECK((above_sse4 & (HWY_AVX3 | HWY_AVX2)) == (HWY_AVX3 | HWY_AVX2));
  CHECK((above_sse4 & (HWY_SSE4 | HWY_SSSE3 | HWY_EMU128 | HWY_SCALAR)) == 0);
}

TEST_CASE("ENCORE_ISA may lower the level but never raise it") {
  CHECK(level_of(IsaLevel::avx512_vnni, "") == IsaLevel::avx512_vnni);
  CHECK(level_of(IsaLevel::avx512_vnni, "avx512") == IsaLevel::avx512);
  CHECK(level_of(IsaLevel::avx512_vnni, "portable") == IsaLevel::portable);
  CHECK(level_of(IsaLevel::avx512, "avx512") == IsaLevel::avx512);
  CHECK(level_of(IsaLevel::avx512_vnni, "avx2") == IsaLevel::portable);
  CHECK(apply_isa_override(IsaLevel::avx512_vnni, kAvx512Cpu, "").highway == HighwayCap::best);
  CHECK(apply_isa_override(IsaLevel::portable, kSse4Cpu, "sse4").highway == HighwayCap::sse4);
  CHECK_THROWS_WITH_AS(level_of(IsaLevel::avx512, "avx512_vnni"),
                       doctest::Contains("supports only 'avx512'"), Error);
  CHECK_THROWS_WITH_AS(level_of(IsaLevel::portable, "avx512"),
                       doctest::Contains("supports only 'portable'"), Error);
  CHECK_THROWS_WITH_AS(level_of(IsaLevel::avx512_vnni, "sse9"),
                       doctest::Contains("unknown level"), Error);
  // A CPU without AVX2: the message names the missing target and the best one there is.
  CHECK_THROWS_WITH_AS(apply_isa_override(IsaLevel::portable, kSse4Cpu, "avx2"),
                       doctest::Contains("ENCORE_ISA='avx2': this CPU lacks Highway's AVX2 target "
                                         "(its best is SSE4)"),
                       Error);
}

TEST_CASE("the level in use never exceeds the detected one") {
  try {
    const CpuFeatures& features = cpu_features();
    MESSAGE("detected ", isa_level_name(features.detected), ", using ",
            isa_level_name(features.level), ", bf16 ", features.has_bf16, ", L1d ",
            features.caches.l1d, " L2 ", features.caches.l2, " L3 ", features.caches.l3);
    CHECK(features.level <= features.detected);
    CHECK(features.detected == detect_isa_level());
    CHECK(features.caches.l1d >= 4096);
    CHECK(features.caches.l2 >= features.caches.l1d);
  } catch (const Error& error) {
    // Only a bad ENCORE_ISA can make cpu_features() throw; the message must say which.
    CHECK(std::string(error.what()).find("ENCORE_ISA") != std::string::npos);
  }
}

}  // namespace encore::jit
