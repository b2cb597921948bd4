// The CPUs this process may run on, and pinning threads to them (Linux sched_setaffinity).
#pragma once

#include <sched.h>

#include <vector>

namespace encore::engine {

// The calling thread's allowed CPUs (taskset/cgroup restrictions included), in ascending order.
std::vector<int> allowed_cpus();

// Pins the calling thread to one CPU; returns false if the kernel refuses (the thread then stays
// unpinned, which is slower but correct).
bool pin_current_thread(int cpu);

// Pins the calling thread for the lifetime of this object, then restores its previous CPU set:
// the thread that calls Encoder::forward works as worker 0 without keeping the pin afterwards.
// A thread already pinned to exactly that CPU (e.g. the server's inference worker) pays one
// sched_getaffinity and nothing else: re-pinning costs ~5 µs per call, and ~65 µs when the
// thread has to migrate (measured on the 2-core VM), inside every forward pass.
class ScopedPin {
 public:
  explicit ScopedPin(int cpu);
  ~ScopedPin();
  ScopedPin(const ScopedPin&) = delete;
  ScopedPin& operator=(const ScopedPin&) = delete;

 private:
  cpu_set_t previous_;
  bool pinned_ = false;
};

}  // namespace encore::engine
