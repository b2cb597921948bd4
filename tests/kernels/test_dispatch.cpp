// ENCORE_ISA reaches the Highway kernels: the target their dispatch picks (asked of a function
// compiled like them, kernels/highway_target.h) is the one each override names, and for_each_target
// really runs the kernels on every target it lists. meson registers this suite once per level.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "for_each_target.h"
#include "kernels/highway_target.h"
#include "kernels/jit/cpu_features.h"
#include "support/error.h"

namespace encore::test {
namespace {

std::string requested_isa() {
  const char* value = std::getenv("ENCORE_ISA");
  return value ? value : "";
}

// The Highway target each ENCORE_ISA value must lead to on this CPU; empty when the CPU cannot run
// the value (cpu_features() then refuses it, and the test says so).
std::string expected_target(const std::string& isa, const jit::CpuFeatures& cpu) {
  if (isa == "avx2") return "AVX2";
  if (isa == "sse4") return "SSE4";
  // No cap: Highway's best. xbyak's CPUID reading, independent of Highway's, says whether that is
  // AVX3 (AVX-512 F/BW/VL; Highway also wants DQ, which every such CPU has).
  return cpu.detected >= jit::IsaLevel::avx512 ? "AVX3" : "";
}

}  // namespace

TEST_CASE("the Highway kernels dispatch to the target ENCORE_ISA allows") {
  const std::string isa = requested_isa();
  const jit::CpuFeatures* cpu = nullptr;
  try {
    cpu = &jit::cpu_features();
  } catch (const Error& error) {
    MESSAGE("skipped: ", std::string(error.what()));
    CHECK(std::string(error.what()).find("ENCORE_ISA='" + isa + "'") != std::string::npos);
    return;
  }
  const std::string target(kernels::highway_target());
  MESSAGE("ENCORE_ISA='", isa, "': the Highway kernels run on ", target);
  const std::string expected = expected_target(isa, *cpu);
  if (expected.empty()) {
    CHECK(target != "AVX3");  // a CPU without AVX-512 cannot run it
  } else {
    CHECK(target == expected);
  }
  CHECK((cpu->highway == jit::HighwayCap::best) == (isa != "avx2" && isa != "sse4"));
  if (cpu->highway != jit::HighwayCap::best) CHECK(cpu->level == jit::IsaLevel::portable);
}

TEST_CASE("for_each_target runs the kernels on each target it lists, none above the cap") {
  std::vector<std::string> visited;
  for_each_target([&] { visited.emplace_back(kernels::highway_target()); });
  if (visited.empty()) return;  // skipped: the CPU lacks the requested level
  std::string joined;
  for (const std::string& name : visited) joined += name + " ";
  MESSAGE("targets run: ", joined);
  // Distinct, best first: each iteration really switched the kernels' dispatch.
  for (size_t i = 1; i < visited.size(); ++i) CHECK(visited[i] != visited[i - 1]);
  CHECK(visited.front() == std::string(kernels::highway_target()));  // the mock was lifted
  auto ran = [&](const char* name) {
    return std::find(visited.begin(), visited.end(), name) != visited.end();
  };
  const std::string isa = requested_isa();
  if (isa == "avx2" || isa == "sse4") CHECK_FALSE(ran("AVX3"));
  if (isa == "sse4") CHECK_FALSE(ran("AVX2"));
  if (isa.empty() && jit::cpu_features().detected >= jit::IsaLevel::avx512) {
    CHECK(ran("AVX3"));
    CHECK(ran("AVX2"));
    CHECK(ran("SSE4"));
  }
}

}  // namespace encore::test
