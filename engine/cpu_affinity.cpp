#include "engine/cpu_affinity.h"

namespace encore::engine {

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return {0};
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  }
  if (cpus.empty()) cpus.push_back(0);
  return cpus;
}

bool pin_current_thread(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(0, sizeof(set), &set) == 0;
}

ScopedPin::ScopedPin(int cpu) {
  CPU_ZERO(&previous_);
  if (sched_getaffinity(0, sizeof(previous_), &previous_) != 0) return;
  if (CPU_COUNT(&previous_) == 1 && CPU_ISSET(cpu, &previous_)) return;  // already there
  pinned_ = pin_current_thread(cpu);
}

ScopedPin::~ScopedPin() {
  if (pinned_) sched_setaffinity(0, sizeof(previous_), &previous_);
}

}  // namespace encore::engine
