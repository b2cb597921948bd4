// What every micro-benchmark program does to its one measuring thread: pin it to a CPU and read
// its own CPU time (time spent descheduled on a shared machine is not the code's).
#pragma once

#include <sched.h>
#include <time.h>

#include "support/error.h"

namespace encore::bench {

inline void pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0)
    throw_error("cannot pin the thread to CPU ", cpu);
}

inline double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

}  // namespace encore::bench
