#include "kernels/jit/quantized_rows.h"

#include <algorithm>
#include <tuple>
#include <utility>
#include <vector>

#include "kernels/jit/cpu_features.h"
#include "kernels/jit/panel_layout.h"
#include "kernels/jit/row_quantizer_emitter.h"
#include "kernels/row_quantization.h"

namespace encore::jit {
namespace {

// Round to nearest even without a libm call, so the loops below vectorize on any x86-64 target:
// adding and removing magic = 1.5 * 2^23 drops the fraction with the current (nearest-even)
// rounding. Valid for |x| < 2^22; quantized values are within [-255, 255].
inline float round_to_nearest_even(float x, float magic) {
  return (x + magic) - magic;
}

// Read through a volatile once per call, so the compiler cannot fold (x + m) - m into x.
float rounding_magic() {
  static volatile float magic = 12582912.0f;
  return magic;
}

// min(0, x...) and max(0, x...) in independent lanes, so the compiler can use SIMD min/max
// (a single running min is a serial chain it may not reorder).
std::pair<float, float> range_with_zero(const float* x, size_t k) {
  constexpr size_t kLanes = 16;
  float low[kLanes] = {}, high[kLanes] = {};
  size_t i = 0;
  for (; i + kLanes <= k; i += kLanes) {
    for (size_t lane = 0; lane < kLanes; ++lane) {
      low[lane] = std::min(low[lane], x[i + lane]);
      high[lane] = std::max(high[lane], x[i + lane]);
    }
  }
  for (; i < k; ++i) {
    low[0] = std::min(low[0], x[i]);
    high[0] = std::max(high[0], x[i]);
  }
  return {*std::min_element(low, low + kLanes), *std::max_element(high, high + kLanes)};
}

}  // namespace

void shape_quantized_rows(size_t m, size_t k, QuantizedRows& out) {
  out.m = m;
  out.k = k;
  out.stride = round_up(k, kInt8KGroup);
  out.data.resize(m * out.stride);
  out.scale.resize(m);
  out.zero_point.resize(m);
}

void quantize_row_range(const float* x, size_t x_stride, size_t first, size_t end,
                        const float* column_scale, QuantizedRows& out) {
  const size_t k = out.k;
  const bool jit = cpu_features().level >= IsaLevel::avx512;
  const RowRangeFn row_range = jit ? row_range_kernel() : nullptr;
  const QuantizeRowFn quantize_row = jit ? quantize_row_kernel() : nullptr;
  const float magic = rounding_magic();
  // The scaled row, when there is a column scale: one per thread, grown once.
  thread_local std::vector<float> scaled;
  if (column_scale && scaled.size() < k) scaled.resize(k);
  for (size_t row = first; row < end; ++row) {
    const float* in = x + row * x_stride;
    if (column_scale) {
      for (size_t i = 0; i < k; ++i) scaled[i] = in[i] * column_scale[i];
      in = scaled.data();
    }
    uint8_t* q = out.data.data() + row * out.stride;
    float low = 0.0f, high = 0.0f;
    if (jit) {
      float lanes[32];
      const RowRangeArgs args{in, static_cast<int64_t>(k), lanes};
      row_range(&args);
      low = *std::min_element(lanes, lanes + 16);
      high = *std::max_element(lanes + 16, lanes + 32);
    } else {
      std::tie(low, high) = range_with_zero(in, k);
    }
    const kernels::RowQuantization quantization = kernels::row_quantization(low, high);
    const float inverse = quantization.inverse;
    const float zero_point = static_cast<float>(quantization.zero_point);
    out.scale[row] = quantization.scale;
    out.zero_point[row] = quantization.zero_point;
    if (jit) {
      const QuantizeRowArgs args{in, q, static_cast<int64_t>(k), inverse, out.zero_point[row]};
      quantize_row(&args);
    } else {
      for (size_t i = 0; i < k; ++i) {
        const float value = round_to_nearest_even(in[i] * inverse, magic) + zero_point;
        q[i] = static_cast<uint8_t>(std::clamp(value, 0.0f, 255.0f));
      }
    }
    std::fill(q + k, q + out.stride, uint8_t{0});
  }
}

void quantize_rows(const float* x, size_t m, size_t k, size_t x_stride, QuantizedRows& out) {
  shape_quantized_rows(m, k, out);
  quantize_row_range(x, x_stride, 0, m, nullptr, out);
}

}  // namespace encore::jit
