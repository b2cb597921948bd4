// Feature extraction pooling on a hand-made [seq, dim] matrix with padding.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "engine/api/pooling.h"

using encore::Embedding;
using encore::Pooling;

namespace {

// Three tokens of dim 2; the last is padding and must never count.
const std::vector<float> kStates = {3.0f, 4.0f, 1.0f, 2.0f, 100.0f, 100.0f};
const std::vector<int32_t> kMask = {1, 1, 0};

Embedding pooled(Pooling pooling, bool normalize) {
  Embedding out;
  encore::api::pool(kStates, kMask, 2, pooling, normalize, out);
  return out;
}

}  // namespace

TEST_CASE("cls pooling takes the first token") {
  const auto out = pooled(Pooling::kCls, false);
  CHECK(out.rows == 1);
  CHECK(out.dim == 2);
  CHECK(out.values == std::vector<float>{3.0f, 4.0f});
}

TEST_CASE("mean pooling averages the real tokens only") {
  const auto out = pooled(Pooling::kMean, false);
  CHECK(out.rows == 1);
  CHECK(out.values == std::vector<float>{2.0f, 3.0f});
}

TEST_CASE("token states drop the padding rows") {
  const auto out = pooled(Pooling::kTokens, false);
  CHECK(out.rows == 2);
  CHECK(out.values == std::vector<float>{3.0f, 4.0f, 1.0f, 2.0f});
}

TEST_CASE("normalize scales each row to unit length") {
  const auto cls = pooled(Pooling::kCls, true);
  CHECK(cls.values[0] == doctest::Approx(0.6));
  CHECK(cls.values[1] == doctest::Approx(0.8));
  const auto tokens = pooled(Pooling::kTokens, true);
  CHECK(tokens.values[2] == doctest::Approx(1.0 / std::sqrt(5.0)));
  CHECK(tokens.values[3] == doctest::Approx(2.0 / std::sqrt(5.0)));
  std::vector<float> zeros = {0.0f, 0.0f};
  encore::api::l2_normalize_rows(zeros, 2);
  CHECK(zeros == std::vector<float>{0.0f, 0.0f});
}
