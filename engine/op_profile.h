// OpProfile — where Encoder::forward spends its time, op by op, when the environment has
// ENCORE_OP_PROFILE=1: the wall time of each op (fork/join included) and the calling thread's CPU
// time (which a busy machine's descheduling does not inflate: the figure to trust with 1 thread),
// summed per token count and printed to stderr as mean µs per forward when the Encoder is
// destroyed. Off (the default) it costs one predictable branch per op and never reads a clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>

namespace encore::engine {

enum class Op : uint8_t {
  kEmbed,
  kQkv,
  kAttention,
  kOut,
  kSaLayerNorm,
  kFfnIn,
  kFfnOut,
  kOutputLayerNorm,
  kHeads,
  kCount
};

class OpProfile {
 public:
  OpProfile();  // enabled by ENCORE_OP_PROFILE=1
  ~OpProfile();
  OpProfile(const OpProfile&) = delete;
  OpProfile& operator=(const OpProfile&) = delete;

  bool enabled() const { return enabled_; }

  // Brackets one forward pass of `tokens` batch × seq tokens.
  void begin_forward(int64_t tokens);
  void end_forward();

  // Runs fn(), adding its wall time to `op` when enabled.
  template <class Fn>
  void time(Op op, Fn&& fn) {
    if (!enabled_) return fn();
    const Clock::time_point start = Clock::now();
    const double cpu_start = thread_cpu_seconds();
    fn();
    current_->seconds[static_cast<int>(op)] += seconds_since(start);
    current_->cpu_seconds[static_cast<int>(op)] += thread_cpu_seconds() - cpu_start;
  }

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr int kOps = static_cast<int>(Op::kCount);
  struct Totals {
    int64_t forwards = 0;
    double forward_seconds = 0, forward_cpu_seconds = 0;
    double seconds[kOps] = {};
    double cpu_seconds[kOps] = {};
  };
  static double seconds_since(Clock::time_point start);
  static double thread_cpu_seconds();
  void print(const char* what, double Totals::*forward, double (Totals::*ops)[kOps]) const;

  bool enabled_ = false;
  std::map<int64_t, Totals> by_tokens_;  // allocated only when enabled
  Totals* current_ = nullptr;
  Clock::time_point forward_start_;
  double forward_cpu_start_ = 0;
};

}  // namespace encore::engine
