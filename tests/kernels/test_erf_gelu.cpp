// erf_f32 against std::erf over a dense grid, and gelu_f32 against the float64 formula.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "kernels/erf.h"
#include "kernels/gelu.h"
#include "tests/kernels/for_each_target.h"

namespace {

// Every float step of 2^-14 in [-6, 6] (~200k points), plus the odd-length tail.
std::vector<float> dense_grid() {
  std::vector<float> x;
  for (double v = -6.0; v <= 6.0; v += 1.0 / 16384) x.push_back(static_cast<float>(v));
  x.push_back(1e-30f);
  x.push_back(-1e-30f);
  x.push_back(0.0f);
  return x;
}

}  // namespace

TEST_CASE("erf_f32 is within 1e-6 of std::erf on a dense grid") {
  const std::vector<float> x = dense_grid();
  encore::test::for_each_target([&] {
    std::vector<float> y(x.size());
    encore::kernels::erf_f32(x.data(), y.data(), x.size());
    double max_error = 0;
    for (size_t i = 0; i < x.size(); ++i)
      max_error = std::max(max_error, std::abs(y[i] - std::erf(static_cast<double>(x[i]))));
    MESSAGE("erf max abs error: ", max_error);
    CHECK(max_error < 1e-6);
  });
}

TEST_CASE("erf_f32 saturates at ±1 for large and infinite inputs") {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> x = {-inf, -1e30f, -10.0f, 10.0f, 1e30f, inf};
  encore::test::for_each_target([&] {
    std::vector<float> y(x.size());
    encore::kernels::erf_f32(x.data(), y.data(), x.size());
    for (size_t i = 0; i < x.size(); ++i) CHECK(std::abs(y[i] - std::copysign(1.0f, x[i])) < 1e-6);
  });
}

TEST_CASE("gelu_f32 matches 0.5·x·(1 + erf(x/√2)) in float64, in place and for every tail") {
  encore::test::for_each_target([&] {
    for (size_t n = 1; n <= 40; ++n) {
      std::vector<float> x(n);
      for (size_t i = 0; i < n; ++i) x[i] = static_cast<float>(-8.0 + 16.0 * i / n);
      std::vector<float> y = x;
      encore::kernels::gelu_f32(y.data(), y.data(), n);
      for (size_t i = 0; i < n; ++i) {
        const double v = x[i];
        const double expected = 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
        CHECK(std::abs(y[i] - expected) <= 4e-6 * std::max(1.0, std::abs(v)));
      }
    }
  });
}
