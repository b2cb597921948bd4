// attention_head against a float64 reference of softmax(mask(Q·scale·Kᵀ))·V, on every target.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>
#include <vector>

#include "kernels/attention.h"
#include "tests/kernels/for_each_target.h"

namespace {

// Q, K, V are column slices of one [seq, 3·head_dim + 5] buffer, as in the engine's fused QKV.
void check_attention(int64_t seq, int64_t head_dim, const std::vector<int32_t>& mask) {
  INFO("seq=", seq, " head_dim=", head_dim);
  std::mt19937 rng(static_cast<unsigned>(seq * 31 + head_dim));
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const int64_t ld = 3 * head_dim + 5;
  std::vector<float> qkv(seq * ld);
  for (float& v : qkv) v = normal(rng);
  const float* q = qkv.data();
  const float* k = q + head_dim;
  const float* v = k + head_dim;
  const float scale = 1.0f / std::sqrt(float(head_dim));

  const int64_t ld_out = head_dim + 2;
  std::vector<float> out(seq * ld_out, 0.0f);
  const int64_t scratch_floats = encore::kernels::attention_scratch_floats(seq, head_dim);
  float* scratch = static_cast<float*>(std::aligned_alloc(64, (scratch_floats * 4 + 63) / 64 * 64));
  encore::kernels::AttentionArgs args;
  args.q = q;
  args.k = k;
  args.v = v;
  args.ldq = args.ldk = args.ldv = ld;
  args.key_mask = mask.empty() ? nullptr : mask.data();
  args.out = out.data();
  args.ld_out = ld_out;
  args.seq = seq;
  args.head_dim = head_dim;
  args.scale = scale;
  encore::kernels::attention_head(args, scratch);
  std::free(scratch);

  bool all_masked = !mask.empty();
  for (int32_t m : mask) all_masked = all_masked && m == 0;
  for (int64_t i = 0; i < seq; ++i) {
    std::vector<double> p(seq);
    double max = -std::numeric_limits<double>::infinity();
    for (int64_t j = 0; j < seq; ++j) {
      double s = 0;
      for (int64_t d = 0; d < head_dim; ++d) s += double(q[i * ld + d] * scale) * k[j * ld + d];
      if (!mask.empty() && mask[j] == 0) s = std::numeric_limits<float>::lowest();
      p[j] = s;
      max = std::max(max, s);
    }
    double sum = 0;
    for (double& x : p) sum += x = all_masked ? 1.0 : std::exp(x - max);
    for (int64_t d = 0; d < head_dim; ++d) {
      double expected = 0;
      for (int64_t j = 0; j < seq; ++j) expected += p[j] / sum * v[j * ld + d];
      if (std::abs(out[i * ld_out + d] - expected) > 2e-5) {
        FAIL_CHECK("out[", i, ",", d, "] = ", out[i * ld_out + d], ", expected ", expected);
        return;
      }
    }
  }
}

}  // namespace

TEST_CASE("attention_head: unmasked, shapes around the 32-row query block and 16-wide panels") {
  encore::test::for_each_target([] {
    for (int64_t seq : {1, 2, 15, 16, 17, 33, 70})
      for (int64_t head_dim : {1, 16, 24, 64}) check_attention(seq, head_dim, {});
  });
}

TEST_CASE("attention_head: padded keys are ignored; a fully masked row is uniform") {
  encore::test::for_each_target([] {
    for (int64_t seq : {5, 40}) {
      std::vector<int32_t> mask(seq, 1);
      for (int64_t j = seq - 3; j < seq; ++j) mask[j] = 0;
      check_attention(seq, 16, mask);
      check_attention(seq, 16, std::vector<int32_t>(seq, 0));
    }
  });
}
