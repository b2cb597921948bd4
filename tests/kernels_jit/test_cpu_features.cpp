#include <doctest/doctest.h>

#include "kernels/jit/cpu_features.h"
#include "support/error.h"

namespace encore::jit {

TEST_CASE("ISA level names round-trip and unknown names are rejected") {
  for (IsaLevel level : {IsaLevel::portable, IsaLevel::avx512, IsaLevel::avx512_vnni}) {
    CHECK(parse_isa_level(isa_level_name(level)) == level);
  }
  CHECK_FALSE(parse_isa_level("avx2").has_value());
  CHECK_FALSE(parse_isa_level("").has_value());
}

TEST_CASE("ENCORE_ISA may lower the level but never raise it") {
  CHECK(apply_isa_override(IsaLevel::avx512_vnni, "") == IsaLevel::avx512_vnni);
  CHECK(apply_isa_override(IsaLevel::avx512_vnni, "avx512") == IsaLevel::avx512);
  CHECK(apply_isa_override(IsaLevel::avx512_vnni, "portable") == IsaLevel::portable);
  CHECK(apply_isa_override(IsaLevel::avx512, "avx512") == IsaLevel::avx512);
  CHECK_THROWS_WITH_AS(apply_isa_override(IsaLevel::avx512, "avx512_vnni"),
                       doctest::Contains("supports only 'avx512'"), Error);
  CHECK_THROWS_WITH_AS(apply_isa_override(IsaLevel::portable, "avx512"),
                       doctest::Contains("supports only 'portable'"), Error);
  CHECK_THROWS_WITH_AS(apply_isa_override(IsaLevel::avx512_vnni, "sse9"),
                       doctest::Contains("unknown level"), Error);
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
