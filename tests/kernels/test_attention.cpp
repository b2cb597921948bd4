// attention_head against a float64 reference of softmax(mask(Q·scale·Kᵀ))·V, on every compiled
// Highway target (the kernel is Highway code; ENCORE_ISA only lowers the JIT kernels).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/attention.h"
#include "tests/kernels/for_each_target.h"

namespace {

enum class MaskKind { none, padded_tail, all_but_one, all, random };

const char* mask_name(MaskKind kind) {
  switch (kind) {
    case MaskKind::none: return "none";
    case MaskKind::padded_tail: return "padded tail";
    case MaskKind::all_but_one: return "all but one";
    case MaskKind::all: return "all";
    case MaskKind::random: return "random";
  }
  return "?";
}

std::vector<int32_t> make_mask(MaskKind kind, int64_t seq, std::mt19937& rng) {
  std::vector<int32_t> mask(seq, 1);
  switch (kind) {
    case MaskKind::none: return {};
    case MaskKind::padded_tail:
      std::fill(mask.begin() + (seq - seq / 3), mask.end(), 0);  // a third padded
      break;
    case MaskKind::all_but_one:
      std::fill(mask.begin(), mask.end(), 0);
      mask[seq / 3] = 1;
      break;
    case MaskKind::all: std::fill(mask.begin(), mask.end(), 0); break;
    case MaskKind::random:
      for (int32_t& m : mask) m = static_cast<int32_t>(rng() % 3 != 0);
      break;
  }
  return mask;
}

// Q, K, V are column slices of one [seq, 3·head_dim + 5] buffer, as in the engine's fused QKV
// (the odd stride leaves rows unaligned); the output has its own stride, with guard columns.
class AttentionTester {
 public:
  AttentionTester(int64_t seq, int64_t head_dim, MaskKind mask_kind)
      : seq_(seq), head_dim_(head_dim), ld_(3 * head_dim + 5), ld_out_(head_dim + 3),
        mask_kind_(mask_kind) {
    std::mt19937 rng(static_cast<unsigned>(seq * 131 + head_dim * 7 + int(mask_kind)));
    // Scores with a spread of several units, so the softmax is peaked as in trained models.
    std::normal_distribution<float> normal(0.0f, 2.0f);
    qkv_.resize(seq * ld_);
    for (float& v : qkv_) v = normal(rng);
    mask_ = make_mask(mask_kind, seq, rng);
    compute_reference();
  }

  // Runs the kernel on every target and compares each output with the float64 reference:
  // |Δ| ≤ 1e-5 · Σ_j p_j·|v_j| (the scale of the weighted average, so cancellation is not
  // mistaken for error). The guard columns past head_dim must stay untouched.
  void test() const {
    INFO("seq=", seq_, " head_dim=", head_dim_, " mask=", std::string(mask_name(mask_kind_)));
    encore::test::for_each_target([&] {
      const int64_t scratch_floats = encore::kernels::attention_scratch_floats(seq_, head_dim_);
      float* scratch =
          static_cast<float*>(std::aligned_alloc(64, (scratch_floats * 4 + 63) / 64 * 64));
      std::fill(scratch, scratch + scratch_floats, std::numeric_limits<float>::quiet_NaN());
      std::vector<float> out(seq_ * ld_out_, kGuard);
      encore::kernels::AttentionArgs args;
      args.q = qkv_.data();
      args.k = qkv_.data() + head_dim_;
      args.v = qkv_.data() + 2 * head_dim_;
      args.ldq = args.ldk = args.ldv = ld_;
      args.key_mask = mask_.empty() ? nullptr : mask_.data();
      args.out = out.data();
      args.ld_out = ld_out_;
      args.seq = seq_;
      args.head_dim = head_dim_;
      args.scale = scale();
      encore::kernels::attention_head(args, scratch);
      std::free(scratch);
      for (int64_t i = 0; i < seq_; ++i) {
        for (int64_t d = 0; d < ld_out_; ++d) {
          const float got = out[i * ld_out_ + d];
          if (d >= head_dim_) {
            if (got != kGuard) FAIL_CHECK("guard column ", d, " of row ", i, " overwritten");
            continue;
          }
          const double want = expected_[i * head_dim_ + d];
          const double bound = 1e-5 * magnitude_[i * head_dim_ + d];
          if (!(std::abs(got - want) <= bound)) {
            FAIL_CHECK("out[", i, ",", d, "] = ", got, ", expected ", want, " ± ", bound);
            return;
          }
        }
      }
    });
  }

 private:
  static constexpr float kGuard = 12345.0f;

  float scale() const { return 1.0f / std::sqrt(static_cast<float>(head_dim_)); }

  // transformers: masked scores are float32 lowest, so a fully masked row is uniform.
  void compute_reference() {
    const float* q = qkv_.data();
    const float* k = q + head_dim_;
    const float* v = k + head_dim_;
    bool all_masked = !mask_.empty();
    for (int32_t m : mask_) all_masked = all_masked && m == 0;
    expected_.assign(seq_ * head_dim_, 0.0);
    magnitude_.assign(seq_ * head_dim_, 0.0);
    std::vector<double> p(seq_);
    for (int64_t i = 0; i < seq_; ++i) {
      double max = -std::numeric_limits<double>::infinity();
      for (int64_t j = 0; j < seq_; ++j) {
        double s = 0;
        for (int64_t d = 0; d < head_dim_; ++d)
          s += double(q[i * ld_ + d] * scale()) * k[j * ld_ + d];
        if (!mask_.empty() && mask_[j] == 0) s = std::numeric_limits<float>::lowest();
        max = std::max(max, s);
        p[j] = s;
      }
      double sum = 0;
      for (double& x : p) sum += x = all_masked ? 1.0 : std::exp(x - max);
      for (int64_t j = 0; j < seq_; ++j) {
        for (int64_t d = 0; d < head_dim_; ++d) {
          expected_[i * head_dim_ + d] += p[j] / sum * v[j * ld_ + d];
          magnitude_[i * head_dim_ + d] += p[j] / sum * std::abs(v[j * ld_ + d]);
        }
      }
    }
  }

  int64_t seq_, head_dim_, ld_, ld_out_;
  MaskKind mask_kind_;
  std::vector<float> qkv_;
  std::vector<int32_t> mask_;
  std::vector<double> expected_, magnitude_;
};

constexpr MaskKind kMasks[] = {MaskKind::none, MaskKind::padded_tail, MaskKind::all_but_one,
                               MaskKind::all, MaskKind::random};

}  // namespace

TEST_CASE("attention_head: seq 1..512 × head_dim 16, 32, 64 × masks, strided, every target") {
  for (int64_t seq : {1, 2, 3, 7, 8, 15, 16, 17, 31, 64, 100, 128, 384, 512})
    for (int64_t head_dim : {16, 32, 64})
      for (MaskKind mask : kMasks) AttentionTester(seq, head_dim, mask).test();
}

TEST_CASE("attention_head: head_dim tails (not a multiple of any vector)") {
  for (int64_t seq : {1, 5, 17, 40})
    for (int64_t head_dim : {1, 3, 24, 40, 72})
      for (MaskKind mask : {MaskKind::none, MaskKind::padded_tail})
        AttentionTester(seq, head_dim, mask).test();
}

TEST_CASE("attention_head: longer than one key block (online softmax across blocks)") {
  AttentionTester(600, 64, MaskKind::none).test();
  AttentionTester(600, 64, MaskKind::random).test();  // masked keys inside both key blocks
  AttentionTester(1030, 32, MaskKind::none).test();   // three key blocks
}
