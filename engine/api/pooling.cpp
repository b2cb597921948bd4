#include "engine/api/pooling.h"

#include <algorithm>
#include <cmath>

namespace encore::api {

void l2_normalize_rows(std::span<float> values, int64_t dim) {
  for (size_t row = 0; row < values.size(); row += dim) {
    auto vector = values.subspan(row, dim);
    double squares = 0;
    for (float x : vector) squares += static_cast<double>(x) * x;
    const auto scale = static_cast<float>(1.0 / std::max(std::sqrt(squares), 1e-12));
    for (float& x : vector) x *= scale;
  }
}

void pool(std::span<const float> states, std::span<const int32_t> mask, int64_t dim,
          Pooling pooling, bool normalize, Embedding& out) {
  out.dim = dim;
  out.values.clear();
  const auto seq = static_cast<int64_t>(mask.size());
  switch (pooling) {
    case Pooling::kCls:
      out.rows = 1;
      out.values.assign(states.begin(), states.begin() + dim);
      break;
    case Pooling::kMean: {
      out.rows = 1;
      out.values.assign(dim, 0.0f);
      int64_t tokens = 0;
      for (int64_t t = 0; t < seq; ++t) {
        if (!mask[t]) continue;
        ++tokens;
        for (int64_t d = 0; d < dim; ++d) out.values[d] += states[t * dim + d];
      }
      // sentence-transformers clamps the token count to 1e-9 so an empty mask gives zeros.
      const float divisor = std::max(static_cast<float>(tokens), 1e-9f);
      for (float& x : out.values) x /= divisor;
      break;
    }
    case Pooling::kTokens:
      out.rows = 0;
      for (int64_t t = 0; t < seq; ++t) {
        if (!mask[t]) continue;
        ++out.rows;
        out.values.insert(out.values.end(), states.begin() + t * dim,
                          states.begin() + (t + 1) * dim);
      }
      break;
  }
  if (normalize) l2_normalize_rows(out.values, dim);
}

}  // namespace encore::api
