#include "kernels/jit/quantized_rows.h"

#include <algorithm>
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

// The quantizer's pieces for one process: the JIT loops when AVX-512 is there, else scalar.
struct RowQuantizer {
  bool jit = cpu_features().level >= IsaLevel::avx512;
  RowRangeFn row_range = jit ? row_range_kernel() : nullptr;
  QuantizeRowFn quantize_row = jit ? quantize_row_kernel() : nullptr;
  float magic = rounding_magic();

  std::pair<float, float> range(const float* in, size_t k) const {
    if (!jit) return range_with_zero(in, k);
    float lanes[32];
    const RowRangeArgs args{in, static_cast<int64_t>(k), lanes};
    row_range(&args);
    return {*std::min_element(lanes, lanes + 16), *std::max_element(lanes + 16, lanes + 32)};
  }

  // q[i] = clamp(round(in[i] · inverse) + zero_point, 0, 255) for i < k.
  void quantize(const float* in, uint8_t* q, size_t k, float inverse, int32_t zero_point) const {
    if (jit) {
      const QuantizeRowArgs args{in, q, static_cast<int64_t>(k), inverse, zero_point};
      return quantize_row(&args);
    }
    const float zero = static_cast<float>(zero_point);
    for (size_t i = 0; i < k; ++i) {
      const float value = round_to_nearest_even(in[i] * inverse, magic) + zero;
      q[i] = static_cast<uint8_t>(std::clamp(value, 0.0f, 255.0f));
    }
  }
};

// in · column_scale into a per-thread buffer (grown once), or in itself without a column scale.
const float* scaled_row(const float* in, const float* column_scale, size_t k) {
  if (!column_scale) return in;
  thread_local std::vector<float> scaled;
  if (scaled.size() < k) scaled.resize(k);
  for (size_t i = 0; i < k; ++i) scaled[i] = in[i] * column_scale[i];
  return scaled.data();
}

// Quantizes one row into stored row `row` of out (scale, zero point, padding included).
void quantize_one_row(const RowQuantizer& quantizer, const float* in, size_t row,
                      QuantizedRows& out) {
  const size_t k = out.k;
  uint8_t* q = out.data.data() + row * out.stride;
  const auto [low, high] = quantizer.range(in, k);
  const kernels::RowQuantization quantization = kernels::row_quantization(low, high);
  out.scale[row] = quantization.scale;
  out.zero_point[row] = quantization.zero_point;
  quantizer.quantize(in, q, k, quantization.inverse, quantization.zero_point);
  std::fill(q + k, q + out.stride, uint8_t{0});
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
  const RowQuantizer quantizer;
  for (size_t row = first; row < end; ++row)
    quantize_one_row(quantizer, scaled_row(x + row * x_stride, column_scale, out.k), row, out);
}

void shape_split_quantized_rows(size_t m, size_t k, QuantizedRows& out) {
  shape_quantized_rows(2 * m, k, out);
}

void quantize_split_row_range(const float* x, size_t x_stride, size_t first, size_t end,
                              const float* column_scale, QuantizedRows& out) {
  const RowQuantizer quantizer;
  const size_t k = out.k, rows = out.m / 2;
  thread_local std::vector<float> residual;
  if (residual.size() < k) residual.resize(k);
  for (size_t row = first; row < end; ++row) {
    const float* in = scaled_row(x + row * x_stride, column_scale, k);
    quantize_one_row(quantizer, in, row, out);
    const float scale = out.scale[row];
    const float zero_point = static_cast<float>(out.zero_point[row]);
    const uint8_t* q = out.data.data() + row * out.stride;
    for (size_t i = 0; i < k; ++i)
      residual[i] = in[i] - scale * (static_cast<float>(q[i]) - zero_point);
    const size_t lo = rows + row;
    const float lo_scale = scale / static_cast<float>(kSplitResidualSteps);
    out.scale[lo] = lo_scale;
    out.zero_point[lo] = kSplitResidualZeroPoint;
    uint8_t* q_lo = out.data.data() + lo * out.stride;
    quantizer.quantize(residual.data(), q_lo, k, lo_scale > 0.0f ? 1.0f / lo_scale : 0.0f,
                       kSplitResidualZeroPoint);
    std::fill(q_lo + k, q_lo + out.stride, uint8_t{0});
  }
}

void quantize_rows(const float* x, size_t m, size_t k, size_t x_stride, QuantizedRows& out) {
  shape_quantized_rows(m, k, out);
  quantize_row_range(x, x_stride, 0, m, nullptr, out);
}

}  // namespace encore::jit
