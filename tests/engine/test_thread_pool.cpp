// ThreadPool: every task of a job runs exactly once whichever worker claims it, and jobs follow
// each other with workers spinning or asleep on the futex: every job still runs on all of them.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include "engine/thread_pool.h"

namespace encore::engine {
namespace {

// Runs `tasks` tasks and checks each ran once; returns the set of workers that ran any.
std::set<int> run_job(ThreadPool& pool, int64_t tasks) {
  std::vector<std::atomic<int>> runs(static_cast<size_t>(tasks));
  std::vector<std::atomic<bool>> by_worker(static_cast<size_t>(pool.size()));
  std::atomic<int> arrived{0};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  pool.parallel_for(tasks, [&](int64_t task, int worker) {
    runs[static_cast<size_t>(task)].fetch_add(1);
    by_worker[static_cast<size_t>(worker)].store(true);
    // The first size() tasks hold their thread until every thread holds one (a thread runs one
    // task at a time), so the job needs every worker awake; the deadline turns a worker that
    // never comes into a failed check instead of a hang.
    if (task < pool.size() && tasks >= pool.size()) {
      arrived.fetch_add(1);
      while (arrived.load() < pool.size() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::yield();
    }
  });
  for (int64_t task = 0; task < tasks; ++task) CHECK(runs[static_cast<size_t>(task)].load() == 1);
  std::set<int> workers;
  for (size_t w = 0; w < by_worker.size(); ++w)
    if (by_worker[w].load()) workers.insert(static_cast<int>(w));
  return workers;
}

TEST_CASE("thread pool: each task once, back to back, and after the workers fell asleep") {
  ThreadPool pool(3, false, {});
  REQUIRE(pool.size() == 3);
  CHECK(run_job(pool, 1).size() == 1);  // one task runs on the caller
  for (int job = 0; job < 20; ++job) run_job(pool, 7);
  CHECK(run_job(pool, 30).size() == 3);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // past the spin (~400 µs): asleep on the futex
  CHECK(run_job(pool, 30).size() == 3);
  CHECK(run_job(pool, 30).size() == 3);
}

}  // namespace
}  // namespace encore::engine
