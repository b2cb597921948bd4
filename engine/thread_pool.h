// ThreadPool — a fixed set of worker threads, optionally pinned one per allowed CPU, that run
// parallel_for jobs. The thread calling parallel_for works too (as worker 0), so a pool of N
// threads starts N - 1 of its own. Between jobs workers spin briefly (jobs inside one forward pass
// follow each other within microseconds), then sleep on a futex (std::atomic::wait).
// No allocation per job: the task function is passed by reference, not as std::function.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace encore::engine {

class ThreadPool {
 public:
  // threads ≥ 1. With pin, worker i runs on cpus[i % cpus.size()] (worker 0 is the caller: pin
  // it yourself, e.g. with ScopedPin, if you want it pinned).
  ThreadPool(int threads, bool pin, const std::vector<int>& cpus);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(task, worker) for every task in [0, tasks), spread over the workers (worker in
  // [0, size())); returns when all are done. fn must not throw. Not reentrant.
  template <class Fn>
  void parallel_for(int64_t tasks, Fn&& fn) {
    using F = std::remove_reference_t<Fn>;
    run(
        tasks,
        [](void* context, int64_t task, int worker) { (*static_cast<F*>(context))(task, worker); },
        &fn);
  }

 private:
  using TaskFn = void (*)(void* context, int64_t task, int worker);
  void run(int64_t tasks, TaskFn fn, void* context);
  void run_tasks(int worker);
  void worker_main(int worker, int cpu);

  std::vector<std::thread> workers_;
  // The current job. fn_ and context_ are written before claims_ is published (release) and read
  // only by a thread holding a claimed task, which the job cannot finish without.
  TaskFn fn_ = nullptr;
  void* context_ = nullptr;
  // (tasks << 32) | next task: one fetch_add claims a task of whichever job is current, so a worker
  // that wakes late can never run a task of a finished job, and the caller waits only for tasks,
  // not for every worker to check in (a descheduled worker does not stall the pass).
  alignas(64) std::atomic<uint64_t> claims_{0};
  alignas(64) std::atomic<int64_t> done_{0};
  alignas(64) std::atomic<uint32_t> generation_{0};  // bumped per job; workers sleep on it
  std::atomic<bool> stopping_{false};
};

}  // namespace encore::engine
