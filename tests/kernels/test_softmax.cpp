// softmax_row against a float64 reference, including masked (float32 lowest) entries.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "kernels/softmax.h"
#include "tests/kernels/for_each_target.h"

namespace {

std::vector<double> reference_softmax(const std::vector<float>& x) {
  double max = -std::numeric_limits<double>::infinity();
  for (float v : x) max = std::max(max, static_cast<double>(v));
  std::vector<double> e(x.size());
  double sum = 0;
  for (size_t i = 0; i < x.size(); ++i) sum += e[i] = std::exp(x[i] - max);
  for (double& v : e) v /= sum;
  return e;
}

constexpr float kLowest = std::numeric_limits<float>::lowest();

}  // namespace

TEST_CASE("softmax_row matches float64 for every length 1..70") {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> value(-12.0f, 12.0f);
  encore::test::for_each_target([&] {
    for (size_t n = 1; n <= 70; ++n) {
      std::vector<float> x(n);
      for (float& v : x) v = value(rng);
      if (n > 3) x[n / 2] = kLowest;  // one masked key
      const std::vector<double> expected = reference_softmax(x);
      std::vector<float> y = x;
      encore::kernels::softmax_row(y.data(), n);
      double sum = 0;
      for (size_t i = 0; i < n; ++i) {
        CHECK(std::abs(y[i] - expected[i]) <= 1e-6 * expected[i] + 1e-12);
        sum += y[i];
      }
      CHECK(std::abs(sum - 1.0) < 1e-5);
      if (n > 3) CHECK(y[n / 2] == 0.0f);
    }
  });
}

TEST_CASE("softmax_row of a fully masked row is uniform, as in transformers") {
  encore::test::for_each_target([&] {
    for (size_t n : {1u, 7u, 16u, 33u}) {
      std::vector<float> y(n, kLowest);
      encore::kernels::softmax_row(y.data(), n);
      for (float v : y) CHECK(v == doctest::Approx(1.0 / n).epsilon(1e-6));
    }
  });
}
