#include "engine/op_profile.h"

#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace encore::engine {
namespace {

constexpr const char* kOpNames[] = {"embed",  "qkv",    "attention", "out",  "sa_ln",
                                     "ffn_in", "ffn_out", "out_ln",   "heads"};
static_assert(std::size(kOpNames) == static_cast<size_t>(Op::kCount));

}  // namespace

OpProfile::OpProfile() {
  const char* value = std::getenv("ENCORE_OP_PROFILE");
  enabled_ = value != nullptr && std::string_view(value) == "1";
}

OpProfile::~OpProfile() {
  if (!enabled_) return;
  print("wall time", &Totals::forward_seconds, &Totals::seconds);
  print("CPU time of the calling thread", &Totals::forward_cpu_seconds, &Totals::cpu_seconds);
}

double OpProfile::seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double OpProfile::thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

void OpProfile::begin_forward(int64_t tokens) {
  if (!enabled_) return;
  current_ = &by_tokens_[tokens];
  forward_start_ = Clock::now();
  forward_cpu_start_ = thread_cpu_seconds();
}

void OpProfile::end_forward() {
  if (!enabled_) return;
  current_->forward_seconds += seconds_since(forward_start_);
  current_->forward_cpu_seconds += thread_cpu_seconds() - forward_cpu_start_;
  ++current_->forwards;
}

// One line per token count: mean µs per forward of each op, summed over the layers.
void OpProfile::print(const char* what, double Totals::*forward,
                      double (Totals::*ops)[kOps]) const {
  std::fprintf(stderr, "op profile (ENCORE_OP_PROFILE=1), %s: mean us per forward pass\n%8s %8s",
               what, "tokens", "forwards");
  for (const char* name : kOpNames) std::fprintf(stderr, " %9s", name);
  std::fprintf(stderr, " %9s %9s\n", "other", "total");
  for (const auto& entry : by_tokens_) {
    const Totals& totals = entry.second;
    if (totals.forwards == 0) continue;
    const double per_forward = 1e6 / static_cast<double>(totals.forwards);
    std::fprintf(stderr, "%8lld %8lld", static_cast<long long>(entry.first),
                 static_cast<long long>(totals.forwards));
    double sum = 0;
    for (double seconds : totals.*ops) {
      std::fprintf(stderr, " %9.1f", seconds * per_forward);
      sum += seconds;
    }
    std::fprintf(stderr, " %9.1f %9.1f\n", (totals.*forward - sum) * per_forward,
                 totals.*forward * per_forward);
  }
}

}  // namespace encore::engine
